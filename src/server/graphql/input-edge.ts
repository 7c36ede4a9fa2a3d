import {
  defaultFieldResolver,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { canonicalId } from '../../validation/ids';
import { checkJson } from '../../validation/json-content';
import { checkString } from '../../validation/string-policy';

type Parse = (value: unknown, path: string) => unknown;

const asIs: Parse = (value) => value;

/**
 * What every scalar a client can send must satisfy, beyond what graphql-js coerced. A scalar
 * without an entry stops the schema from building: a new input type needs a policy first.
 */
const SCALAR_POLICIES: Record<string, Parse> = {
  ID: (value, path) => canonicalId(path, value),
  String: (value, path) => checkString(path, value as string),
  JSONObject: (value, path) => checkJson(path, value),
  // graphql-js already bounds these to their type (32-bit integers, booleans, RFC 3339).
  Int: asIs,
  Float: asIs,
  Boolean: asIs,
  DateTime: asIs,
};

function parserFor(type: GraphQLInputType): Parse {
  if (isNonNullType(type)) return parserFor(type.ofType);
  if (isListType(type)) {
    const item = parserFor(type.ofType);
    return (value, path) =>
      Array.isArray(value) ? value.map((v) => nullable(item)(v, path)) : value;
  }
  if (isEnumType(type)) return asIs;
  if (isScalarType(type)) {
    const policy = SCALAR_POLICIES[type.name];
    if (!policy) throw new Error(`No input policy for the scalar ${type.name} (input-edge.ts)`);
    return policy;
  }
  if (isInputObjectType(type)) {
    // Resolved lazily: input types may refer to themselves.
    let fields: [string, Parse][] | undefined;
    return (value, path) => {
      fields ??= Object.values(type.getFields()).map((f) => [f.name, nullable(parserFor(f.type))]);
      const input = value as Record<string, unknown>;
      const parsed: Record<string, unknown> = {};
      for (const [name, parse] of fields) {
        if (name in input) parsed[name] = parse(input[name], `${path}.${name}`);
      }
      return parsed;
    };
  }
  throw new Error(`Unexpected input type ${String(type)}`);
}

const nullable =
  (parse: Parse): Parse =>
  (value, path) =>
    value === null || value === undefined ? value : parse(value, path);

function argumentsParser(args: readonly GraphQLArgument[]) {
  const parsers = args.map((arg) => [arg.name, nullable(parserFor(arg.type))] as const);
  return (raw: Record<string, unknown>): Record<string, unknown> => {
    const parsed: Record<string, unknown> = { ...raw };
    for (const [name, parse] of parsers) {
      if (name in raw) parsed[name] = parse(raw[name], name);
    }
    return parsed;
  };
}

/**
 * The edge every argument passes, once, before any permission rule, resolver or subscription
 * sees it: ids canonicalised (UUIDs in lower case), strings under the string policy, JSON
 * bounded. Failures are BAD_USER_INPUT naming the input (`extensions.field`, e.g.
 * `input.title`), so nothing behind the edge meets an input it has to distrust.
 */
export function withInputEdge(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.args.length) continue;
      const parse = argumentsParser(field.args);
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => resolve(source, parse(args), context, info);
      const subscribe = field.subscribe;
      if (subscribe) {
        field.subscribe = (source, args, context, info) =>
          subscribe(source, parse(args), context, info);
      }
    }
  }
  return schema;
}

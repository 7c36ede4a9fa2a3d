import {
  getNamedType,
  isCompositeType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';
import type { Fixture } from './fixture';

/** One place in the schema that takes arguments, and how to reach it from a root. */
export interface ArgumentSite {
  /** `Mutation.createItem`, `Team.activity`, … */
  key: string;
  operation: 'query' | 'mutation' | 'subscription';
  field: GraphQLField<unknown, unknown>;
  /** For fields below the root: the root field that reaches their type. */
  via?: Via;
}

interface Via {
  rootField: string;
  argument: string;
  /** The root field's argument, always valid (the site's own arguments are the hostile part). */
  value: (fixture: Fixture) => unknown;
}

/** How generated calls reach object types whose fields take arguments. */
export const VIA: Record<string, Via> = {
  Team: { rootField: 'team', argument: 'id', value: (f) => f.refs.team },
};

const ROOTS = [
  ['query', 'Query'],
  ['mutation', 'Mutation'],
  ['subscription', 'Subscription'],
] as const;

/** Every field with arguments in the served schema, walked from its types (no list by hand). */
export function argumentSites(schema: GraphQLSchema): ArgumentSite[] {
  const sites: ArgumentSite[] = [];
  const rootNames = new Set<string>(ROOTS.map(([, name]) => name));
  for (const [operation, name] of ROOTS) {
    const root = schema.getType(name);
    if (!isObjectType(root)) continue;
    for (const field of Object.values(root.getFields())) {
      if (field.args.length) sites.push({ key: `${name}.${field.name}`, operation, field });
    }
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || rootNames.has(type.name)) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.args.length) continue;
      sites.push({
        key: `${type.name}.${field.name}`,
        operation: 'query',
        field,
        via: VIA[type.name],
      });
    }
  }
  return sites;
}

const selectionOf = (field: GraphQLField<unknown, unknown>) =>
  isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';

/** The document for a site: every argument is a variable `$a<i>` of the argument's own type. */
export function documentFor(site: ArgumentSite): string {
  const args = site.field.args;
  const definitions = args.map((arg: GraphQLArgument, i) => `$a${i}: ${String(arg.type)}`);
  const call = `${site.field.name}(${args.map((arg, i) => `${arg.name}: $a${i}`).join(', ')})${selectionOf(site.field)}`;
  if (!site.via) return `${site.operation} Fuzz(${definitions.join(', ')}) { ${call} }`;
  return `query Fuzz($via: ID!, ${definitions.join(', ')}) { ${site.via.rootField}(${site.via.argument}: $via) { ${call} } }`;
}

import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import {
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '../../errors/error-codes';
import { withSpan } from '../../tracing/with-span';
import { withoutSuggestions } from '../format-error';
import { armorConfig, PARSE_OPTIONS, VALIDATION_OPTIONS } from './armor';
import { boundedDocumentRule } from './document-bounds';
import { nameLiteralInputs } from './literal-input-path';
import { oncePerRequestRule } from './once-per-request';
import { undeclaredVariableError, variablesError } from './operation-variables';
import { checkedCost } from './query-cost';
import { requestValuesError, type RequestValues } from './request-values';

export interface OperationPolicy {
  /** Allow __schema/__type queries (development, or GRAPHQL_INTROSPECTION=on). */
  introspection: boolean;
  /** Strip "Did you mean …" from validation messages (production). */
  blockSuggestions: boolean;
}

const reportAsBadInput: GraphQLArmorRejectCallback = (context, error) =>
  context?.reportError(badInput(error.message));

const badInput = (message: string, field?: unknown) =>
  new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field === undefined ? {} : { field }) },
  });

/** The armor's document limits as plain graphql-js validation rules (for transports Apollo does not see). */
export function armorValidationRules(): ValidationRule[] {
  const config = armorConfig();
  const reject = { propagateOnRejection: false, onReject: [reportAsBadInput] };
  return [
    maxDepthRule({ ...config.maxDepth, ...reject }),
    maxAliasesRule({ ...config.maxAliases, ...reject }),
    maxDirectivesRule({ ...config.maxDirectives, ...reject }),
  ];
}

export interface OperationRequest extends RequestValues {
  query: unknown;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** Distinct valid documents kept per schema (the oldest unused one goes first). */
const DOCUMENT_CACHE_LIMIT = 1_000;
const validDocuments = new WeakMap<GraphQLSchema, Map<string, DocumentNode>>();

/**
 * Parses (under the token limit) and validates a document: the bounds pass first
 * (document-bounds.ts), then graphql-js's rules, the armor's
 * limits, introspection and suggestions per policy. A document that passed is kept by its
 * text, so every socket that subscribes with the same text shares one parsed document (about
 * 9 KiB each) and skips parsing and validation; documents are never changed once parsed.
 */
function checkDocument(
  schema: GraphQLSchema,
  query: string,
  policy: OperationPolicy,
): DocumentNode | GraphQLError[] {
  let cache = validDocuments.get(schema);
  if (!cache) {
    cache = new Map();
    validDocuments.set(schema, cache);
  }
  const key = `${policy.introspection ? 'i' : '-'}${query}`;
  const known = cache.get(key);
  if (known) {
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  let document: DocumentNode;
  try {
    document = withSpan('graphql.parse', {}, () => parse(query, PARSE_OPTIONS));
  } catch (error) {
    return [badInput(error instanceof GraphQLError ? error.message : 'Syntax Error')];
  }
  const rules = [
    // First: a document over its bounds is refused before any other rule walks it.
    boundedDocumentRule(),
    ...specifiedRules,
    ...armorValidationRules(),
    oncePerRequestRule,
    ...(policy.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
  const errors = withSpan('graphql.validate', {}, () =>
    validate(schema, document, rules, VALIDATION_OPTIONS),
  );
  if (errors.length) {
    nameLiteralInputs(document, errors);
    // A rule's own extensions (the field, the bounds' reason) stay; the code is BAD_USER_INPUT.
    return errors.map((error) => {
      const message = policy.blockSuggestions ? withoutSuggestions(error.message) : error.message;
      return new GraphQLError(message, {
        extensions: { ...error.extensions, code: ErrorCode.BAD_USER_INPUT },
      });
    });
  }
  if (cache.size >= DOCUMENT_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, document);
  return document;
}

/**
 * Checks an operation exactly as HTTP requests are: its JSON values (request-values.ts), the
 * document (checkDocument); then
 * identifies the operation, refuses undeclared variables, coerces the others and checks its cost, as Apollo does before
 * executing. Returns the document and its cost, or the errors to send back (all BAD_USER_INPUT; nothing
 * has executed).
 */
export function validateOperation(
  schema: GraphQLSchema,
  request: OperationRequest,
  policy: OperationPolicy,
):
  | { document: DocumentNode; cost: number; errors?: undefined }
  | { document?: undefined; errors: GraphQLError[] } {
  const unbounded = requestValuesError(request);
  if (unbounded) return { errors: [unbounded] };
  const { query } = request;
  if (typeof query !== 'string' || !query.trim())
    return { errors: [badInput('An operation document is required.')] };
  const document = checkDocument(schema, query, policy);
  if (Array.isArray(document)) return { errors: document };
  const shown = (message: string) =>
    policy.blockSuggestions ? withoutSuggestions(message) : message;
  const operation = getOperationAST(document, request.operationName ?? undefined);
  if (!operation) {
    return {
      errors: [
        badInput(
          request.operationName
            ? `No operation named "${request.operationName}" in the document.`
            : 'The document has several operations: name the one to run (operationName).',
        ),
      ],
    };
  }
  const variables = request.variables ?? {};
  const undeclared = undeclaredVariableError(operation, variables);
  if (undeclared) return { errors: [undeclared] };
  const invalid = variablesError(schema, operation, variables);
  if (invalid) {
    const message = shown(invalid.message);
    return { errors: [new GraphQLError(message, { extensions: invalid.extensions })] };
  }
  const checked = checkedCost(schema, document, operation, variables);
  if (checked.error) return { errors: [checked.error] };
  return { document, cost: checked.cost };
}

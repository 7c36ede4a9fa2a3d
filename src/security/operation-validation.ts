import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '../errors/error-codes';
import { armorConfig, PARSE_OPTIONS } from './armor';
import { oncePerRequestRule } from './once-per-request';

export interface OperationPolicy {
  /** Allow __schema/__type queries (development, or GRAPHQL_INTROSPECTION=on). */
  introspection: boolean;
  /** Strip "Did you mean …" from validation messages (production). */
  blockSuggestions: boolean;
}

const reportAsBadInput: GraphQLArmorRejectCallback = (context, error) =>
  context?.reportError(badInput(error.message));

const badInput = (message: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });

const hideSuggestions = (message: string) => message.replace(/ ?Did you mean .+\?/g, '').trim();

/** The armor's document limits as plain graphql-js validation rules (for transports Apollo does not see). */
export function armorValidationRules(): ValidationRule[] {
  const config = armorConfig();
  const reject = { propagateOnRejection: false, onReject: [reportAsBadInput] };
  return [
    maxDepthRule({ ...config.maxDepth, ...reject }),
    maxAliasesRule({ ...config.maxAliases, ...reject }),
    maxDirectivesRule({ ...config.maxDirectives, ...reject }),
    costLimitRule({ ...config.costLimit, ...reject }),
  ];
}

/**
 * Parses (under the token limit) and validates an operation exactly as HTTP requests are:
 * graphql-js's rules, the armor's limits, introspection and suggestions per policy. Returns the
 * document, or the errors to send back (all BAD_USER_INPUT; nothing has executed).
 */
export function validateOperation(
  schema: GraphQLSchema,
  query: unknown,
  policy: OperationPolicy,
):
  | { document: DocumentNode; errors?: undefined }
  | { document?: undefined; errors: GraphQLError[] } {
  if (typeof query !== 'string' || !query.trim())
    return { errors: [badInput('An operation document is required.')] };
  let document: DocumentNode;
  try {
    document = parse(query, PARSE_OPTIONS);
  } catch (error) {
    return { errors: [badInput(error instanceof GraphQLError ? error.message : 'Syntax Error')] };
  }
  const rules = [
    ...specifiedRules,
    ...armorValidationRules(),
    oncePerRequestRule,
    ...(policy.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
  const errors = validate(schema, document, rules);
  if (errors.length) {
    return {
      errors: errors.map((error) =>
        badInput(policy.blockSuggestions ? hideSuggestions(error.message) : error.message),
      ),
    };
  }
  return { document };
}

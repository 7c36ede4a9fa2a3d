import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, PUBLIC_ERROR_CODES } from '../errors/error-codes';

/** Apollo's request-shape codes are validation failures in the contract's vocabulary. */
const VALIDATION_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Extensions a client may see; everything else (stack traces, exception details) is dropped. */
// `reason` explains a FORBIDDEN (e.g. TWO_FACTOR_REQUIRED); `teams` lists the teams a CONFLICT
// is about (e.g. the teams a user must hand over before deleting their account); `cost` and
// `maxCost` say how far a document is over the cost budget; `signed` and `reported` are the two
// checkpoints a witnessed fork is made of.
const PUBLIC_EXTENSIONS = [
  'field',
  'retryAfterSeconds',
  'reason',
  'teams',
  'cost',
  'maxCost',
  'signed',
  'reported',
];

export const INTERNAL_MESSAGE = 'Internal server error.';

/** graphql-js's "Did you mean …?" hints name parts of the schema; production sends none. */
export const withoutSuggestions = (message: string): string =>
  message.replace(/ ?Did you mean .+?\?/g, '').trim();

export interface ErrorFormatOptions {
  /** Strip "Did you mean …" from every message (production), variable coercion included. */
  hideSuggestions?: boolean;
}

/** formatError with the server's options, for Apollo (HTTP) and graphql-ws alike. */
export const errorFormatter =
  (options: ErrorFormatOptions) =>
  (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    const result = formatError(formatted);
    return options.hideSuggestions
      ? { ...result, message: withoutSuggestions(result.message) }
      : result;
  };

/**
 * Keeps contract errors as they are and masks everything else: no stack trace, no SQL, no
 * resolver internals leave the server. The full error is logged by the logging plugin.
 */
export function formatError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const rawCode = formatted.extensions?.code;
  const code =
    typeof rawCode === 'string' && VALIDATION_CODES.has(rawCode)
      ? ErrorCode.BAD_USER_INPUT
      : rawCode;
  if (
    typeof code !== 'string' ||
    !PUBLIC_ERROR_CODES.has(code) ||
    code === ErrorCode.INTERNAL_SERVER_ERROR
  ) {
    return {
      message: INTERNAL_MESSAGE,
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  }
  const extensions: Record<string, unknown> = { code };
  for (const key of PUBLIC_EXTENSIONS) {
    if (formatted.extensions?.[key] !== undefined) extensions[key] = formatted.extensions[key];
  }
  return { ...formatted, extensions };
}

export const isMaskedCode = (code: unknown): boolean =>
  typeof code !== 'string' ||
  code === ErrorCode.INTERNAL_SERVER_ERROR ||
  (!PUBLIC_ERROR_CODES.has(code) && !VALIDATION_CODES.has(code));

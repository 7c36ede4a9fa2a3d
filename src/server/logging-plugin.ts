import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import type { Context } from '../../resolvers/context';
import { ErrorCode } from '../errors/error-codes';
import { observeOperation } from '../metrics/graphql-metrics';
import type { Logger } from '../logging/logger';
import type { UnusualActivity } from './security/unusual-activity';
import { formatError, isMaskedCode } from './format-error';

/** The code a client sees for this error (after masking and mapping). */
export const publicCode = (error: GraphQLError): string =>
  String(formatError({ message: error.message, extensions: error.extensions }).extensions?.code);

const DENIED = new Set<string>([ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED]);

/** The e-mail of each `logIn` field (by response key) that failed with UNAUTHENTICATED. */
function failedLogIns(
  operation: OperationDefinitionNode | undefined,
  errors: readonly GraphQLError[],
  variables: Record<string, unknown> | undefined,
): string[] {
  if (operation?.operation !== 'mutation') return [];
  const failedKeys = new Set(
    errors
      .filter((e) => e.path?.length === 1 && e.extensions?.code === ErrorCode.UNAUTHENTICATED)
      .map((e) => String(e.path![0])),
  );
  const emails: string[] = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value !== 'logIn') continue;
    if (!failedKeys.has(selection.alias?.value ?? selection.name.value)) continue;
    const arg = selection.arguments?.find((a) => a.name.value === 'email')?.value;
    const email =
      arg?.kind === Kind.STRING
        ? arg.value
        : arg?.kind === Kind.VARIABLE
          ? variables?.[arg.name.value]
          : undefined;
    if (typeof email === 'string') emails.push(email.trim().slice(0, 320));
  }
  return emails;
}

/**
 * Apollo answers some request-shape problems (a persisted query whose hash does not match, an
 * unsupported APQ version) with a bare 400 and no code; they are the client's fault, not ours.
 */
function markClientError(error: GraphQLError): void {
  const http = error.extensions?.http as { status?: number } | undefined;
  if (error.extensions?.code === undefined && http?.status === 400) {
    // GraphQLError's extensions object is mutable; the type only marks the binding read-only.
    (error.extensions as Record<string, unknown>).code = 'BAD_REQUEST';
  }
}

/**
 * One access line per GraphQL operation (never its variables), operation metrics, unexpected
 * errors logged in full with the request id, and unusual-activity signals (failed log-ins,
 * bursts of denied operations).
 */
export function loggingPlugin(
  logger: Logger,
  unusual?: UnusualActivity,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async didEncounterErrors({ errors, contextValue: ctx }) {
          for (const error of errors) {
            markClientError(error);
            if (isMaskedCode(error.extensions?.code)) {
              ctx.logger.error(
                { err: error.originalError ?? error, path: error.path },
                'unexpected error',
              );
            }
          }
        },
        async willSendResponse({ operation, operationName, response, errors, request }) {
          const durationMs = Math.round((performance.now() - started) * 100) / 100;
          const codes = [...new Set((errors ?? []).map(publicCode))];
          observeOperation({
            operationName,
            operationType: operation?.operation,
            transport: 'http',
            durationMs,
            errorCodes: codes,
          });
          if (logger.isLevelEnabled('info')) {
            contextValue.logger.info(
              {
                event: 'graphql.operation',
                operationName: operationName ?? null,
                operationType: operation?.operation ?? null,
                userId: contextValue.viewer?.user.id ?? null,
                durationMs,
                outcome: codes.length ? 'error' : 'ok',
                errorCodes: codes,
                transport: 'http',
                httpStatus: response.http.status ?? 200,
              },
              'graphql operation',
            );
          }
          if (!unusual || !errors?.length) return;
          for (const email of failedLogIns(operation, errors, request.variables)) {
            unusual.failedLogIn(email, contextValue.ip);
          }
          const denied = codes.find((code) => DENIED.has(code));
          if (denied) {
            unusual.denied(contextValue.viewer?.user.id ?? contextValue.ip, denied, {
              ip: contextValue.ip,
              operationName: operationName ?? null,
            });
          }
        },
      };
    },
  };
}

import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context/context';
import { isMaskedCode } from './format-error';

/** One access line per GraphQL operation; unexpected errors logged in full with the request id. */
export function loggingPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async didEncounterErrors({ errors, contextValue: ctx }) {
          for (const error of errors) {
            if (isMaskedCode(error.extensions?.code)) {
              ctx.logger.error({ err: error.originalError ?? error, path: error.path }, 'unexpected error');
            }
          }
        },
        async willSendResponse({ operation, operationName, response, errors }) {
          const codes = [...new Set((errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          contextValue.logger.info(
            {
              event: 'graphql.operation',
              operationName: operationName ?? null,
              operationType: operation?.operation ?? null,
              durationMs: Math.round((performance.now() - started) * 100) / 100,
              outcome: codes.length ? 'error' : 'ok',
              errorCodes: codes,
              transport: 'http',
              httpStatus: response.http.status ?? 200,
            },
            'graphql operation',
          );
        },
      };
    },
  };
}

import type { ApolloServerOptions } from '@apollo/server';
import type { Logger } from '../logging/logger';
import { currentRequestId } from '../logging/request-scope';

type ApolloLogger = NonNullable<ApolloServerOptions<object>['logger']>;

/**
 * Apollo's own lines (e.g. "Unexpected error processing request") as our JSON lines, with the
 * id of the request they happened in, instead of its plain-text console output.
 */
export function apolloLogger(logger: Logger): ApolloLogger {
  const log = logger.child({ component: 'apollo' });
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message?: unknown): void => {
      const fields = {
        requestId: currentRequestId(),
        ...(message instanceof Error ? { err: message } : {}),
      };
      log[level](fields, message instanceof Error ? message.message : String(message));
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

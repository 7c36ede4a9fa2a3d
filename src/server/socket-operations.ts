import type { ExecutionResult, GraphQLError } from 'graphql';
import { getOperationAST } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { Context } from '../../resolvers/context';
import { ErrorCode } from '../errors/error-codes';
import { graphqlErrors } from '../metrics/graphql-metrics';
import type { Logger } from '../logging/logger';
import type { UnusualActivity } from './security/unusual-activity';
import { errorFormatter, isMaskedCode, type ErrorFormatOptions } from './format-error';
import { withOneTimeLimit } from './graphql/execution-deadline';
import { publicCode } from './logging-plugin';

const DENIED = new Set<string>([ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED]);

/**
 * graphql-ws hooks that give operations over the socket what Apollo's plugins give HTTP ones:
 * errors masked by the same formatError (no SQL, no stack), unexpected errors logged in full
 * with the request id, error metrics, denied-burst detection, and a `graphql.operation` line
 * per query or mutation (subscriptions log their errors; their lifetime is in ws.* lines).
 */
export function socketOperationHooks(
  unusual: UnusualActivity,
  logger: Logger,
  options: ErrorFormatOptions,
): Pick<ServerOptions, 'onNext' | 'onError'> {
  const format = errorFormatter(options);
  return {
    // Errors before execution (validation, variables, cost) are already contract errors;
    // they pass the same formatter so nothing unmasked or unsuggested slips through.
    onError: (_ctx, _id, _payload, errors) => errors.map((error) => format(error.toJSON())),
    onNext: (_ctx, _id, _payload, args, result) => {
      const errors = (result as ExecutionResult).errors;
      const context = args.contextValue as Context | undefined;
      const type = getOperationAST(args.document, args.operationName)?.operation ?? null;
      const codes = [...new Set((errors ?? []).map((e: GraphQLError) => publicCode(e)))];
      for (const code of codes) graphqlErrors.inc({ code, transport: 'ws' });
      const logged = context !== undefined && logger.isLevelEnabled('info');
      if (logged && (type !== 'subscription' || codes.length)) {
        context?.logger.info(
          {
            event: 'graphql.operation',
            operationName: args.operationName ?? null,
            operationType: type,
            userId: context.viewer?.user.id ?? null,
            outcome: codes.length ? 'error' : 'ok',
            errorCodes: codes,
            transport: 'ws',
          },
          'graphql operation',
        );
      }
      if (!errors?.length) return undefined;
      for (const error of errors) {
        if (isMaskedCode(error.extensions?.code)) {
          context?.logger.error(
            { err: error.originalError ?? error, path: error.path },
            'unexpected error',
          );
        }
      }
      const denied = codes.find((code) => DENIED.has(code));
      if (denied && context) {
        unusual.denied(context.viewer?.user.id ?? context.ip, denied, {
          ip: context.ip,
          operationName: args.operationName ?? null,
        });
      }
      return {
        ...result,
        errors: withOneTimeLimit(errors.map((error) => format(error.toJSON()))),
      };
    },
  };
}

import { GraphQLError } from 'graphql';
import { ErrorCode } from './error-codes';

function error(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export const unauthenticated = (message = 'You must be signed in.') =>
  error(ErrorCode.UNAUTHENTICATED, message);

/** Also used for things that do not exist, so existence never leaks. */
export const forbidden = (message = 'You are not allowed to do this.') =>
  error(ErrorCode.FORBIDDEN, message);

export const badInput = (field: string, message: string) =>
  error(ErrorCode.BAD_USER_INPUT, message, { field });

export const conflict = (message: string) => error(ErrorCode.CONFLICT, message);

export const notFound = (message = 'Not found.') => error(ErrorCode.NOT_FOUND, message);

export const rateLimited = (retryAfterSeconds: number) =>
  error(ErrorCode.RATE_LIMITED, 'Too many attempts; try again later.', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
  });

export const accessRevoked = (message = 'Your access to this feed has ended.') =>
  error(ErrorCode.ACCESS_REVOKED, message);

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

export const conflict = (message: string, extensions: Record<string, unknown> = {}) =>
  error(ErrorCode.CONFLICT, message, extensions);

export const notFound = (message = 'Not found.') => error(ErrorCode.NOT_FOUND, message);

export const rateLimited = (retryAfterSeconds: number) =>
  error(ErrorCode.RATE_LIMITED, 'Too many attempts; try again later.', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
  });

/** An operation over what is left of its caller's budget of cost points (nothing ran). */
export const costBudgetSpent = (cost: number, remaining: number, retryAfterSeconds: number) =>
  error(
    ErrorCode.RATE_LIMITED,
    `This operation costs ${cost} points and ${remaining} are left in this window's budget; try again later.`,
    { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)), cost },
  );

/** Whether `error` is a spent budget's RATE_LIMITED (to answer it another way at an edge). */
export const isRateLimited = (error: unknown): error is GraphQLError =>
  error instanceof GraphQLError && error.extensions.code === ErrorCode.RATE_LIMITED;

export const accessRevoked = (message = 'Your access to this feed has ended.') =>
  error(ErrorCode.ACCESS_REVOKED, message);

/** Log-in needs the second factor: the password was right, now send `code`. */
export const twoFactorRequired = (message = 'Enter the code from your authenticator app.') =>
  error(ErrorCode.TWO_FACTOR_REQUIRED, message);

/** A member without two-factor, in a team that requires it: held out, not removed. */
export const heldForTwoFactor = () =>
  error(
    ErrorCode.FORBIDDEN,
    'This team requires two-factor authentication; turn it on to regain access.',
    { reason: 'TWO_FACTOR_REQUIRED' },
  );

/** The session must prove its owner again (`confirmIdentity`) before changing how they sign in. */
export const reauthenticationRequired = () =>
  error(
    ErrorCode.FORBIDDEN,
    'Confirm your password (and code) with confirmIdentity first; then try again.',
    { reason: 'REAUTHENTICATION_REQUIRED' },
  );

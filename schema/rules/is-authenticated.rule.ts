import { rule } from './rule';
import type { Context } from '../../resolvers/context';
import { unauthenticated } from '../../src/errors/errors';

/** The caller presented a live session token. */
export const isAuthenticated = rule({ cache: 'contextual' })(
  (_parent, _args, ctx: Context<never>) =>
    ctx.viewer
      ? true
      : unauthenticated(
          ctx.invalidToken ? 'Your session is invalid, revoked or expired.' : undefined,
        ),
);

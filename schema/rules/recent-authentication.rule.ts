import { rule } from './rule';
import type { Context } from '../../resolvers/context';
import { isRecentlyAuthenticated } from '../../src/accounts/recent-authentication';
import { reauthenticationRequired, unauthenticated } from '../../src/errors/errors';
import { sameId } from '../../src/validation/ids';

const recent = (ctx: Context<'config'>) =>
  !ctx.viewer
    ? unauthenticated()
    : isRecentlyAuthenticated(ctx.viewer.session, ctx.services.config.REAUTH_WINDOW) ||
      reauthenticationRequired();

/**
 * Operations that change how someone signs in (two-factor set-up, recovery codes, ending
 * other sessions) need a session that proved its owner within REAUTH_WINDOW; otherwise
 * FORBIDDEN with `extensions.reason: "REAUTHENTICATION_REQUIRED"`.
 */
export const hasRecentAuthentication = rule('hasRecentAuthentication', { cache: 'contextual' })(
  (_parent, _args, ctx: Context<'config'>) => recent(ctx),
);

/** `revokeSession`: ending one's own session is a log-out; ending another needs recent proof. */
export const isOwnSessionArgOrRecent = rule('isOwnSessionArgOrRecent', { cache: 'no_cache' })(
  (_parent, args: { id?: unknown }, ctx: Context<'config'>) =>
    ctx.viewer !== null && typeof args.id === 'string' && sameId(args.id, ctx.viewer.session.id)
      ? true
      : recent(ctx),
);

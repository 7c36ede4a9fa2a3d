import { rule } from './rule';
import type { Context } from '../../resolvers/context';

/**
 * A member held out of a team by its two-factor rule still sees their own membership and the
 * team's name — enough for a client to say "Vault requires two-factor" — and nothing else.
 *
 * These rules only widen a team role rule in `race(…)`, and refuse with `false`, not an error:
 * when nothing allows the field the client gets the role rule's error (FORBIDDEN, with the
 * two-factor reason when it applies), or the map's FORBIDDEN fallback on its own. Building a
 * GraphQLError, stack trace included, for every other member's membership in a page cost more
 * than the rest of the permission check.
 */
export const isOwnMembership = rule('isOwnMembership', { cache: 'no_cache' })(
  (parent: { userId?: unknown }, _args, ctx: Context<never>) =>
    ctx.viewer !== null && parent.userId === ctx.viewer.user.id,
);

export const isHeldMemberOfParentTeam = rule('isHeldMemberOfParentTeam', { cache: 'no_cache' })(
  async (parent: { id?: unknown }, _args, ctx: Context<never>) =>
    ctx.viewer !== null &&
    typeof parent.id === 'string' &&
    (await ctx.loaders.heldForTwoFactor.load(parent.id)),
);

/** For operations that take `teamId`: the viewer is a member held out by the two-factor rule. */
export const isHeldMemberOfTeamArg = rule('isHeldMemberOfTeamArg', { cache: 'no_cache' })(
  async (_parent, args: { teamId?: unknown }, ctx: Context<never>) =>
    ctx.viewer !== null &&
    typeof args.teamId === 'string' &&
    (await ctx.loaders.heldForTwoFactor.load(args.teamId)),
);

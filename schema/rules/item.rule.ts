import { rule } from 'graphql-shield';
import type { Context } from '../../src/context/context';
import { forbidden, unauthenticated } from '../../src/errors/errors';
import { canDeleteItem, isMember } from '../../src/teams/team-policy';

/**
 * For operations that take an item id: the rule resolves the item's team and checks the
 * viewer's role there. Unknown ids and other teams' items are the same FORBIDDEN, so existence
 * never leaks. Never cached: the answer depends on the argument. The services re-check under
 * the team's row lock.
 */
export const isMemberOfItemTeamArg = rule('isMemberOfItemTeamArg', { cache: 'no_cache' })(async (
  _parent,
  args: { id?: unknown },
  ctx: Context,
) => {
  if (!ctx.viewer) return unauthenticated();
  if (typeof args.id !== 'string') return forbidden();
  const item = await ctx.loaders.item.load(args.id);
  if (!item) return forbidden();
  return isMember(await ctx.loaders.viewerRole.load(item.teamId)) ? true : forbidden();
});

/** deleteItem: the item's creator, or an ADMIN or the OWNER of its team (canDeleteItem). */
export const canDeleteItemArg = rule('canDeleteItemArg', { cache: 'no_cache' })(async (
  _parent,
  args: { id?: unknown },
  ctx: Context,
) => {
  if (!ctx.viewer) return unauthenticated();
  if (typeof args.id !== 'string') return forbidden();
  const item = await ctx.loaders.item.load(args.id);
  if (!item) return forbidden();
  const role = await ctx.loaders.viewerRole.load(item.teamId);
  return canDeleteItem(role, item.createdById === ctx.viewer.user.id) ? true : forbidden();
});

import { rule } from './rule';
import type { Item } from '../../entities/item.entity';
import type { Context } from '../../resolvers/context';
import { forbidden, unauthenticated } from '../../src/errors/errors';
import { canDeleteItem, isMember, type MaybeRole } from '../../src/teams/team-policy';
import { teamDenial } from './team-denial';

/**
 * For operations that take an item id: the rule resolves the item's team and checks the
 * viewer's role there. Unknown ids and other teams' items are the same FORBIDDEN, so existence
 * never leaks. Never cached: the answer depends on the argument. The services re-check under
 * the team's row lock.
 */
function itemArgRule(
  name: string,
  allows: (role: MaybeRole, item: Item, viewerId: string) => boolean,
) {
  return rule(name, { cache: 'no_cache' })(
    async (_parent, args: { id?: unknown }, ctx: Context<never>) => {
      if (!ctx.viewer) return unauthenticated();
      if (typeof args.id !== 'string') return forbidden();
      const item = await ctx.loaders.item.load(args.id);
      if (!item) return forbidden();
      const role = await ctx.loaders.viewerRole.load(item.teamId);
      return allows(role, item, ctx.viewer.user.id) ? true : teamDenial(ctx, item.teamId);
    },
  );
}

export const isMemberOfItemTeamArg = itemArgRule('isMemberOfItemTeamArg', (role) => isMember(role));

/** deleteItem: the item's creator, or an ADMIN or the OWNER of its team (canDeleteItem). */
export const canDeleteItemArg = itemArgRule('canDeleteItemArg', (role, item, viewerId) =>
  canDeleteItem(role, item.createdById === viewerId),
);

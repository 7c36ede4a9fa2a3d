import { rule } from './rule';
import type { Context } from '../../resolvers/context';
import { forbidden, unauthenticated } from '../../src/errors/errors';
import { isAddressedTo } from '../../src/invitations/invitation-visibility';
import { canManageTeam } from '../../src/teams/team-policy';

/**
 * For mutations that take an invitation id: the viewer manages the invitation's team. An
 * unknown id is FORBIDDEN like another team's, so existence never leaks. Never cached.
 */
export const isManagerOfInvitationArg = rule('isManagerOfInvitationArg', { cache: 'no_cache' })(
  async (_parent, args: { id?: unknown }, ctx: Context<'invitations'>) => {
    if (!ctx.viewer) return unauthenticated();
    if (typeof args.id !== 'string') return forbidden();
    const teamId = await ctx.services.invitations.teamIdOf(args.id);
    if (!teamId) return forbidden();
    return canManageTeam(await ctx.loaders.viewerRole.load(teamId)) ? true : forbidden();
  },
);

/** An invitation is visible to its team's managers and to its verified addressee. */
export const canSeeInvitation = rule('canSeeInvitation', { cache: 'no_cache' })(async (
  parent: { teamId?: unknown; email?: unknown },
  _args,
  ctx: Context<'invitations'>,
) => {
  if (!ctx.viewer) return unauthenticated();
  if (typeof parent.email === 'string' && isAddressedTo({ email: parent.email }, ctx.viewer.user)) {
    return true;
  }
  if (typeof parent.teamId !== 'string') return forbidden();
  return canManageTeam(await ctx.loaders.viewerRole.load(parent.teamId)) ? true : forbidden();
});

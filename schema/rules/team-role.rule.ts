import { rule } from './rule';
import type { Context } from '../../resolvers/context';
import { forbidden, unauthenticated } from '../../src/errors/errors';
import type { MaybeRole } from '../../src/teams/team-policy';
import { teamDenial } from './team-denial';

type TeamIdOf = (parent: unknown, args: Record<string, unknown>) => unknown;

/**
 * Allows the call when the viewer's role in the team passes `policy`. Never cached by rule name
 * (`no_cache`): the team comes from arguments or the parent, so aliases like
 * `a: team(id: mine) b: team(id: theirs)` are each checked; the per-request DataLoader dedupes.
 */
export function teamRoleRule(
  name: string,
  teamIdOf: TeamIdOf,
  policy: (role: MaybeRole) => boolean,
) {
  return rule(name, { cache: 'no_cache' })((parent, args, ctx: Context<never>) => {
    if (!ctx.viewer) return unauthenticated();
    const teamId = teamIdOf(parent, args);
    if (typeof teamId !== 'string') return forbidden();
    const { viewerRole } = ctx.loaders;
    // Most fields of a page ask what an earlier field already learned: answer without a promise.
    const answered = viewerRole.answered(teamId);
    if (answered !== undefined && policy(answered)) return true;
    return viewerRole
      .load(teamId)
      .then((role): Promise<true | Error> | true =>
        policy(role) ? true : teamDenial(ctx, teamId),
      );
  });
}

export const teamIdArg: TeamIdOf = (_parent, args) => args.teamId;
export const idArg: TeamIdOf = (_parent, args) => args.id;
/** For fields of Team itself. */
export const parentId: TeamIdOf = (parent) => (parent as { id?: unknown }).id;
/** For fields of objects that belong to a team (Membership, Item, Invitation, Activity). */
export const parentTeamId: TeamIdOf = (parent) => (parent as { teamId?: unknown }).teamId;

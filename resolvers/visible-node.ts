import type { Activity } from '../entities/activity.entity';
import type { Invitation } from '../entities/invitation.entity';
import type { Item } from '../entities/item.entity';
import type { Session } from '../entities/session.entity';
import type { Team } from '../entities/team.entity';
import type { User } from '../entities/user.entity';
import { canSeeInvitation } from '../src/invitations/invitation-visibility';
import type { Context } from './context';
import { requireViewer } from './viewer';

export type NodeValue = Team | Item | User | Activity | Invitation | Session;

/**
 * The object with this id if the viewer may see it, else null, whether it exists or not.
 * Ids carry no type, so every kind is looked up; each loader batches the ids of one request
 * into one statement per kind. Visibility is the one every other edge applies: team data to
 * members not held out by the two-factor rule, invitations to managers and their verified
 * addressee, sessions to their owner, a user as a whole to themself and current teammates.
 */
export async function visibleNode(ctx: Context<never>, id: string): Promise<NodeValue | null> {
  const viewer = requireViewer(ctx).user;
  const { loaders } = ctx;
  const [team, item, user, activity, invitation, session] = await Promise.all([
    loaders.team.load(id),
    loaders.item.load(id),
    loaders.user.load(id),
    loaders.activity.load(id),
    loaders.invitation.load(id),
    loaders.session.load(id),
  ]);
  const isMember = async (teamId: string) => (await loaders.viewerRole.load(teamId)) !== null;
  if (team) return (await isMember(team.id)) ? team : null;
  if (item) return (await isMember(item.teamId)) ? item : null;
  if (activity) return (await isMember(activity.teamId)) ? activity : null;
  if (invitation) {
    const role = await loaders.viewerRole.load(invitation.teamId);
    return canSeeInvitation(invitation, viewer, role) ? invitation : null;
  }
  if (user) return (await loaders.sharesTeamWith.load(user.id)) ? user : null;
  if (session) {
    const live = session.revokedAt === null && session.expiresAt > new Date();
    return session.userId === viewer.id && live ? session : null;
  }
  return null;
}

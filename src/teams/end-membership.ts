import type { EntityManager } from 'typeorm';
import type { NewActivity } from '../../entities/activity-actions';
import type { ActivityAction } from '../../entities/activity-action.enum';
import { Membership } from '../../entities/membership.entity';
import type { Team } from '../../entities/team.entity';
import { recordActivity } from '../activity/record-activity';
import type { PendingEvents } from '../db/in-transaction';
import type { DomainEvent } from '../events/domain-events';

/** How a membership ends, as the team's activity tells it. */
export type MembershipEnd = AboutMember<
  ActivityAction.MEMBER_LEFT | ActivityAction.MEMBER_REMOVED
> & {
  actorId: string;
  userId: string;
};

/** The activity without its subject, which is the member (each action kept apart). */
type AboutMember<A extends ActivityAction> = A extends ActivityAction
  ? Omit<NewActivity<A>, 'subjectId'>
  : never;

/**
 * Deletes a membership of the locked team and records why, in the same transaction: the one
 * way anyone stops being a member (leaving, being removed, deleting the account).
 */
export async function endMembership(
  tx: EntityManager,
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  ending: MembershipEnd,
): Promise<void> {
  await tx.delete(Membership, { teamId: lockedTeam.id, userId: ending.userId });
  await recordActivity(tx, pending, lockedTeam, { ...ending, subjectId: ending.userId });
}

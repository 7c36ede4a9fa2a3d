import type { EntityManager } from 'typeorm';
import type { ActivityAction } from '../../entities/activity-action.enum';
import { ActivitySubjectType } from '../../entities/activity-subject-type.enum';
import { Membership } from '../../entities/membership.entity';
import type { Team } from '../../entities/team.entity';
import { recordActivity } from '../activity/record-activity';
import type { PendingEvents } from '../db/transaction';
import type { DomainEvent } from '../events/domain-events';

/** How a membership ends, as the team's activity tells it. */
export interface MembershipEnd {
  actorId: string;
  userId: string;
  action: ActivityAction.MEMBER_LEFT | ActivityAction.MEMBER_REMOVED;
  summary: string;
  details: Record<string, unknown>;
}

/**
 * Deletes a membership of the locked team and records why, in the same transaction: the one
 * way anyone stops being a member (leaving, being removed, deleting the account).
 */
export async function endMembership(
  tx: EntityManager,
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  { actorId, userId, action, summary, details }: MembershipEnd,
): Promise<void> {
  await tx.delete(Membership, { teamId: lockedTeam.id, userId });
  await recordActivity(tx, pending, lockedTeam, {
    actorId,
    action,
    subjectType: ActivitySubjectType.User,
    subjectId: userId,
    summary,
    details,
  });
}

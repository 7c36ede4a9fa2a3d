import type { EntityManager } from 'typeorm';
import { ActivityAction } from '../../entities/activity-action.enum';
import { ActivitySubjectType } from '../../entities/activity-subject-type.enum';
import { Invitation } from '../../entities/invitation.entity';
import { InvitationStatus } from '../../entities/invitation-status.enum';
import type { Team } from '../../entities/team.entity';
import type { User } from '../../entities/user.entity';
import { recordActivity } from '../activity/record-activity';
import type { PendingEvents } from '../db/transaction';
import type { DomainEvent } from '../events/domain-events';

export type ClosedStatus = InvitationStatus.REVOKED | InvitationStatus.DECLINED;

/**
 * Ends a pending invitation and records it (INVITATION_REVOKED or INVITATION_DECLINED) in the
 * caller's transaction, under the team's lock. `reason` says why when nobody asked for it.
 */
export async function closeInvitation(
  tx: EntityManager,
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  invitation: Invitation,
  actor: Pick<User, 'id' | 'displayName'>,
  status: ClosedStatus,
  reason?: { code: string; summary: string },
): Promise<void> {
  invitation.status = status;
  invitation.respondedAt = new Date();
  await tx.update(
    Invitation,
    { id: invitation.id },
    { status, respondedAt: invitation.respondedAt },
  );
  const revoked = status === InvitationStatus.REVOKED;
  const what = `an invitation to join as ${invitation.role}`;
  await recordActivity(tx, pending, lockedTeam, {
    actorId: actor.id,
    action: revoked ? ActivityAction.INVITATION_REVOKED : ActivityAction.INVITATION_DECLINED,
    subjectType: ActivitySubjectType.Invitation,
    subjectId: invitation.id,
    summary: reason
      ? `${capitalised(what)} was revoked: ${reason.summary}`
      : `${actor.displayName} ${revoked ? 'revoked' : 'declined'} ${what}`,
    details: {
      invitationId: invitation.id,
      role: invitation.role,
      ...(reason ? { reason: reason.code } : {}),
    },
  });
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

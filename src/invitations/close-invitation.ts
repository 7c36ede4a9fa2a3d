import { ActivityAction } from '../../entities/activity-action.enum';
import type { Invitation } from '../../entities/invitation.entity';
import { InvitationStatus } from '../../entities/invitation-status.enum';
import type { Role } from '../../entities/role.enum';
import type { Team } from '../../entities/team.entity';
import type { User } from '../../entities/user.entity';
import { recordActivity } from '../activity/record-activity';
import type { PendingEvents, Transaction } from '../db/transaction';
import type { DomainEvent } from '../events/domain-events';

export type ClosedStatus = InvitationStatus.REVOKED | InvitationStatus.DECLINED;

/**
 * Why a revocation nobody asked for happened: its inviter (by name; null when not found) lost
 * the role that could make it, and now invites as `noLongerInvitesAs` (null: not at all).
 */
export interface RevocationReason {
  code: 'INVITER_LOST_ROLE';
  inviter: string | null;
  noLongerInvitesAs: Role | null;
}

/**
 * Ends a pending invitation and records it (INVITATION_REVOKED or INVITATION_DECLINED) in the
 * caller's transaction, under the team's lock, deferred (no round trip of its own). `reason`
 * says why when nobody asked for it.
 */
export async function closeInvitation(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  invitation: Invitation,
  actor: Pick<User, 'id' | 'displayName'>,
  status: ClosedStatus,
  reason?: RevocationReason,
): Promise<void> {
  invitation.status = status;
  invitation.respondedAt = new Date();
  tx.defer({
    text: `UPDATE invitations SET status = $2, responded_at = $3 WHERE id = $1`,
    values: [invitation.id, status, invitation.respondedAt],
  });
  const about = { actorId: actor.id, subjectId: invitation.id };
  const details = { invitationId: invitation.id, role: invitation.role };
  await recordActivity(
    tx,
    pending,
    lockedTeam,
    status === InvitationStatus.REVOKED
      ? {
          action: ActivityAction.INVITATION_REVOKED,
          ...about,
          details: { ...details, ...(reason ? { reason: reason.code } : {}) },
          names: {
            actor: actor.displayName,
            ...(reason
              ? { inviter: reason.inviter, noLongerInvitesAs: reason.noLongerInvitesAs }
              : {}),
          },
        }
      : {
          action: ActivityAction.INVITATION_DECLINED,
          ...about,
          details,
          names: { actor: actor.displayName },
        },
  );
}

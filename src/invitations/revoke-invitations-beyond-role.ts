import { Invitation } from '../../entities/invitation.entity';
import { InvitationStatus } from '../../entities/invitation-status.enum';
import type { Team } from '../../entities/team.entity';
import type { User } from '../../entities/user.entity';
import { EntityRows } from '../db/entity-rows';
import type { PendingEvents, Transaction } from '../db/transaction';
import type { DomainEvent } from '../events/domain-events';
import { canInviteAs, type MaybeRole } from '../teams/team-policy';
import { isUuid } from '../validation/ids';
import { closeInvitation } from './close-invitation';

/** Why an invitation ended without anyone revoking it (Activity.details.reason). */
export const INVITER_LOST_ROLE = 'INVITER_LOST_ROLE';

/** An inviter's open invitations in one team, read before their role changes. */
export interface OpenInvitationsFrom {
  /** The inviter's display name; null when the account is not found. */
  inviterName: string | null;
  /** Pending and unexpired, oldest first. */
  invitations: Invitation[];
}

/** Nothing to end: for a cause that ended the inviter's invitations itself. */
export const NO_OPEN_INVITATIONS: OpenInvitationsFrom = { inviterName: null, invitations: [] };

/**
 * The inviter's pending, unexpired invitations in the team, with their name, in one statement
 * sent when called (src/db/lock-order.ts): sent after the team's lock, it reads under it.
 */
export async function openInvitationsFrom(
  tx: Transaction,
  teamId: string,
  inviterId: string,
): Promise<OpenInvitationsFrom> {
  // An id that is no UUID names no team: nothing is sent, so the transaction is not aborted.
  if (!isUuid(teamId) || !isUuid(inviterId)) return NO_OPEN_INVITATIONS;
  const invitations = new EntityRows(tx.connection, Invitation);
  const rows = await tx.read<{ k_name: string }>(
    `SELECT ${invitations.select('i')}, u.display_name AS k_name
       FROM users u
       LEFT JOIN invitations i ON i.team_id = $1 AND i.invited_by_id = u.id
                              AND i.status = $3 AND i.expires_at > now()
      WHERE u.id = $2
      ORDER BY i.created_at, i.id`,
    [teamId, inviterId, InvitationStatus.PENDING],
  );
  return {
    inviterName: rows[0]?.k_name ?? null,
    invitations: rows.flatMap((row) => invitations.map(row) ?? []),
  };
}

/**
 * Authority ends with the role: when the inviter's role in the team becomes `newRole` (null
 * when they are removed or leave), those of their open invitations (`from`, read under the
 * team's lock) that the role could not make are revoked, each recorded as INVITATION_REVOKED
 * by `actor` (who caused the change). Writes only, in the caller's transaction, with the team
 * locked, so no accept can slip in between.
 */
export async function revokeInvitationsBeyondRole(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  from: OpenInvitationsFrom,
  newRole: MaybeRole,
  actor: Pick<User, 'id' | 'displayName'>,
): Promise<number> {
  const beyond = from.invitations.filter((invitation) => !canInviteAs(newRole, invitation.role));
  for (const invitation of beyond) {
    await closeInvitation(tx, pending, lockedTeam, invitation, actor, InvitationStatus.REVOKED, {
      code: INVITER_LOST_ROLE,
      inviter: from.inviterName,
      // The first one's role names them all (what the summaries have always said).
      noLongerInvitesAs: newRole ? beyond[0].role : null,
    });
  }
  return beyond.length;
}

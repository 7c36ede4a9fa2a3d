import type { EntityManager } from 'typeorm';
import { Invitation } from '../../entities/invitation.entity';
import { InvitationStatus } from '../../entities/invitation-status.enum';
import type { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import type { PendingEvents } from '../db/transaction';
import type { DomainEvent } from '../events/domain-events';
import { canInviteAs, type MaybeRole } from '../teams/team-policy';
import { closeInvitation } from './close-invitation';

/** Why an invitation ended without anyone revoking it (Activity.details.reason). */
export const INVITER_LOST_ROLE = 'INVITER_LOST_ROLE';

/**
 * Authority ends with the role: when `inviterId`'s role in the team becomes `newRole` (null when
 * they are removed or leave), their pending invitations that role could not make are revoked,
 * each recorded as INVITATION_REVOKED by `actor` (who caused the change). Runs in the
 * caller's transaction, with the team locked, so no accept can slip in between.
 */
export async function revokeInvitationsBeyondRole(
  tx: EntityManager,
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  inviterId: string,
  newRole: MaybeRole,
  actor: Pick<User, 'id' | 'displayName'>,
): Promise<number> {
  const invitations = await tx
    .getRepository(Invitation)
    .createQueryBuilder('i')
    .where('i.team_id = :teamId AND i.invited_by_id = :inviterId AND i.status = :pending', {
      teamId: lockedTeam.id,
      inviterId,
      pending: InvitationStatus.PENDING,
    })
    .andWhere('i.expires_at > now()')
    .orderBy('i.created_at', 'ASC')
    .addOrderBy('i.id', 'ASC')
    .getMany();
  const beyond = invitations.filter((invitation) => !canInviteAs(newRole, invitation.role));
  if (!beyond.length) return 0;
  const inviter = await tx
    .getRepository(User)
    .findOne({ where: { id: inviterId }, select: { id: true, displayName: true } });
  for (const invitation of beyond) {
    await closeInvitation(tx, pending, lockedTeam, invitation, actor, InvitationStatus.REVOKED, {
      code: INVITER_LOST_ROLE,
      inviter: inviter?.displayName ?? null,
      // The first one's role names them all (what the summaries have always said).
      noLongerInvitesAs: newRole ? beyond[0].role : null,
    });
  }
  return beyond.length;
}

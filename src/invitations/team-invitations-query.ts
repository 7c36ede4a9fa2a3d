import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { Invitation } from '../../entities/invitation.entity';
import { InvitationStatus } from '../../entities/invitation-status.enum';

/**
 * A team's invitations, newest first (created_at DESC, id ASC), with the status as clients
 * see it: EXPIRED and PENDING are told apart by the expiry, the others are stored.
 */
export function teamInvitationsQuery(
  dataSource: DataSource,
  teamId: string,
  status: InvitationStatus | null,
): SelectQueryBuilder<Invitation> {
  const query = dataSource
    .getRepository(Invitation)
    .createQueryBuilder('i')
    .where('i.team_id = :teamId', { teamId })
    .orderBy('i.created_at', 'DESC')
    .addOrderBy('i.id', 'ASC');
  if (status === InvitationStatus.EXPIRED) {
    query.andWhere('i.status = :pending AND i.expires_at <= now()', {
      pending: InvitationStatus.PENDING,
    });
  } else if (status === InvitationStatus.PENDING) {
    query.andWhere('i.status = :pending AND i.expires_at > now()', {
      pending: InvitationStatus.PENDING,
    });
  } else if (status) {
    query.andWhere('i.status = :status', { status });
  }
  return query;
}

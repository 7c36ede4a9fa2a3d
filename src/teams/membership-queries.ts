import type { EntityManager } from 'typeorm';
import { Membership } from '../../entities/membership.entity';
import type { MaybeRole } from './team-policy';

/** The user's current role in the team, read inside the caller's transaction. */
export async function roleIn(
  tx: EntityManager,
  teamId: string,
  userId: string,
): Promise<MaybeRole> {
  const membership = await tx.getRepository(Membership).findOne({
    where: { teamId, userId },
    select: { role: true },
  });
  return membership?.role ?? null;
}

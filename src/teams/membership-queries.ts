import type { EntityManager } from 'typeorm';
import { Membership } from '../../entities/membership.entity';
import { MEMBER_ACCESS_SQL } from '../access/member-access-sql';
import { heldForTwoFactor } from '../errors/errors';
import type { MaybeRole } from './team-policy';

/**
 * The user's current role in the team, read inside the caller's transaction, whatever the
 * team's two-factor requirement: the role someone is acted on in (removed, leaving).
 */
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

/**
 * The role the actor acts with in the team, re-read under the team's lock: null when not a
 * member. A member held out by the team's two-factor requirement is refused here (FORBIDDEN,
 * reason TWO_FACTOR_REQUIRED), as the permission map refuses them.
 */
export async function actingRoleIn(
  tx: EntityManager,
  teamId: string,
  actorId: string,
): Promise<MaybeRole> {
  const [row]: { role: MaybeRole; held: boolean }[] = await tx.query(MEMBER_ACCESS_SQL, [
    teamId,
    actorId,
  ]);
  if (row?.held) throw heldForTwoFactor();
  return row?.role ?? null;
}

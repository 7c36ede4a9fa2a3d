import { Membership } from '../../entities/membership.entity';
import { MEMBER_ACCESS_SQL } from '../access/member-access-sql';
import { EntityRows } from '../db/entity-rows';
import type { Transaction } from '../db/transaction';
import { heldForTwoFactor } from '../errors/errors';
import { isUuid } from '../validation/ids';
import type { MaybeRole } from './team-policy';

/**
 * The role the actor acts with in the team, re-read under the team's lock: null when not a
 * member. A member held out by the team's two-factor requirement is refused here (FORBIDDEN,
 * reason TWO_FACTOR_REQUIRED), as the permission map refuses them.
 */
export async function actingRoleIn(
  tx: Transaction,
  teamId: string,
  actorId: string,
): Promise<MaybeRole> {
  if (!isUuid(teamId) || !isUuid(actorId)) return null;
  const [row] = await tx.read<{ role: MaybeRole; held: boolean }>(MEMBER_ACCESS_SQL, [
    teamId,
    actorId,
  ]);
  if (row?.held) throw heldForTwoFactor();
  return row?.role ?? null;
}

/** Someone a command acts on: their membership of the team and their name. */
export interface MemberActedOn {
  /** Null when they are not a member. */
  membership: Membership | null;
  /** Null when there is no such account. */
  displayName: string | null;
}

/**
 * The membership of `userId` in the team and the account's display name, in one statement
 * sent when called, as the locking reads are: read under the team's lock when sent after it.
 */
export async function memberActedOn(
  tx: Transaction,
  teamId: string,
  userId: string,
): Promise<MemberActedOn> {
  if (!isUuid(teamId) || !isUuid(userId)) return { membership: null, displayName: null };
  const memberships = new EntityRows(tx.connection, Membership);
  const [row] = await tx.read<{ k_name: string | null }>(
    `SELECT ${memberships.select('m')}, u.display_name AS k_name
       FROM users u LEFT JOIN memberships m ON m.team_id = $1 AND m.user_id = u.id
      WHERE u.id = $2`,
    [teamId, userId],
  );
  return { membership: (row && memberships.map(row)) ?? null, displayName: row?.k_name ?? null };
}

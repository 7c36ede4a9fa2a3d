import { Team } from '../../entities/team.entity';
import { conflict, forbidden } from '../errors/errors';
import { isUuid } from '../validation/ids';
import { EntityRows } from './entity-rows';
import type { Transaction } from './transaction';

/*
 * The domain's one lock order. A command takes its row locks in this order and never back:
 *
 *   1. accounts: the users rows it acts for or on, in id order (`lockAccounts`; deleting an
 *      account takes its own row FOR UPDATE, which waits for every holder and blocks them all);
 *   2. teams: team rows, in id order (`lockTeam`, one per step when a command needs several);
 *   3. the rows under a team (items, memberships, invitations, its Merkle tree's subtrees and
 *      checkpoints), once their team is locked.
 *
 * Lifecycle state (an account whose deletion has begun, a team that was deleted) is read under
 * these locks, so a command that waited sees the outcome of the one it waited for. A row that
 * references an account (a membership, an item, an activity) makes PostgreSQL take a key share
 * lock on that users row at the insert; taking it first, here, is what keeps a command that
 * already holds a team from waiting on an account a deletion holds while it waits for the team.
 * Writes that take no team lock (a checkpoint signed on demand, a witness) insert one row whose
 * references lock the team's row FOR KEY SHARE; a witness locks its account first, as above.
 *
 * The locking reads here send their statement when called (`Transaction.read`), so a command
 * may start them together and await them together (`allInOrder`): one round trip, the locks
 * still taken in the order of the calls.
 */

/** The accounts a command locked; those it acts on may have been deleted meanwhile. */
export interface LockedAccounts {
  /** True when the account's deletion has committed (an unknown id is not deleted). */
  isDeleted(userId: string): boolean;
  exists(userId: string): boolean;
}

/**
 * Locks the accounts' users rows in id order, FOR KEY SHARE: it waits only for a deletion or a
 * change of address, and is the lock the command's references to the accounts take anyway.
 */
export async function lockAccountRows(tx: Transaction, userIds: string[]): Promise<LockedAccounts> {
  const ids = [...new Set(userIds.filter(isUuid).map(lowerCase))];
  const rows = await tx.read<{ id: string; deleted: boolean }>(
    `SELECT id, deleted_at IS NOT NULL AS deleted FROM users
      WHERE id = ANY($1::uuid[]) ORDER BY id FOR KEY SHARE`,
    [ids],
  );
  const deleted = new Set(rows.filter((row) => row.deleted).map((row) => row.id));
  const found = new Set(rows.map((row) => row.id));
  return {
    isDeleted: (userId) => deleted.has(lowerCase(userId)),
    exists: (userId) => found.has(lowerCase(userId)),
  };
}

/**
 * Locks the actor's account and the other accounts the command acts on (`lockAccountRows`).
 * The actor's deletion has begun: CONFLICT, since such an account can no longer create, join,
 * own or rename anything.
 */
export async function lockAccounts(
  tx: Transaction,
  actorId: string,
  ...othersActedOn: string[]
): Promise<LockedAccounts> {
  const accounts = await lockAccountRows(tx, [actorId, ...othersActedOn]);
  if (accounts.isDeleted(actorId) || !accounts.exists(actorId)) throw accountDeleted();
  return accounts;
}

const lowerCase = (id: string) => id.toLowerCase();

export const accountDeleted = () =>
  conflict('This account is being deleted; it can no longer change anything.');

/**
 * SELECT … FOR UPDATE on the team row: serialises the team's mutations so role checks and
 * seqs see committed state. A missing team (never there, or deleted while we waited) is
 * FORBIDDEN, so existence never leaks.
 */
export async function lockTeam(tx: Transaction, teamId: string): Promise<Team> {
  const teams = new EntityRows(tx.connection, Team);
  const [row] = isUuid(teamId)
    ? await tx.read(`SELECT ${teams.select('t')} FROM teams t WHERE t.id = $1 FOR UPDATE`, [teamId])
    : [];
  const team = row && teams.map(row);
  if (!team) throw forbidden();
  return team;
}

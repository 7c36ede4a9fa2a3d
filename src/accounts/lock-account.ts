import type { EntityManager } from 'typeorm';

/**
 * Locks the account's row for the rest of the caller's transaction. Every change of account
 * security state (links, sessions, credentials) takes this lock before any other row of the
 * account, so they serialise instead of deadlocking.
 */
export async function lockAccountRow(tx: EntityManager, userId: string): Promise<void> {
  await tx.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [userId]);
}

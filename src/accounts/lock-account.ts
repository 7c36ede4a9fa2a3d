import type { EntityManager } from 'typeorm';
import { unauthenticated } from '../errors/errors';

/**
 * Locks the account's row for the rest of the caller's transaction. Every change of account
 * security state (links, sessions, credentials) takes this lock before any other row of the
 * account, so they serialise instead of deadlocking.
 */
export async function lockAccountRow(tx: EntityManager, userId: string): Promise<void> {
  await tx.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [userId]);
}

/**
 * The same lock for a change asked by a signed-in session, which must still be live once the
 * lock is taken: a password reset that committed while the request was checking its password
 * has ended the session, and nothing it asked may outlive that (a stolen session racing the
 * owner's reset). UNAUTHENTICATED otherwise, and the change does not happen.
 */
export async function lockAccountOfSession(
  tx: EntityManager,
  userId: string,
  sessionId: string,
): Promise<void> {
  await lockAccountRow(tx, userId);
  const live: unknown[] = await tx.query(
    `SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()`,
    [sessionId, userId],
  );
  if (!live.length) throw unauthenticated('Your session is invalid, revoked or expired.');
}

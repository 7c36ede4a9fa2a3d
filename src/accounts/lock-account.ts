import { EntityNotFoundError } from 'typeorm';
import { User } from '../../entities/user.entity';
import { allInOrder } from '../db/all-in-order';
import { EntityRows } from '../db/entity-rows';
import { sealedSecret } from '../db/sealed-secrets';
import type { Transaction } from '../db/transaction';
import { unauthenticated } from '../errors/errors';

/*
 * The account's row lock and the reads of account security state. Each sends its statement
 * when called (Transaction.read), so a command starts them together with its other reads and
 * awaits them together (allInOrder): one round trip, the lock still taken first.
 */

/** The user's columns, its sealed secrets opened as the entity's transformer opens them. */
function accountIn(tx: Transaction, row: Record<string, unknown> | undefined): User | null {
  const user = row ? new EntityRows(tx.connection, User).map(row) : null;
  if (!user) return null;
  user.twoFactorSecret = sealedSecret.from(user.twoFactorSecret) as string | null;
  user.twoFactorPendingSecret = sealedSecret.from(user.twoFactorPendingSecret) as string | null;
  return user;
}

const accountColumns = (tx: Transaction) => new EntityRows(tx.connection, User).select('u');

/**
 * Locks the account's row for the rest of the caller's transaction. Every change of account
 * security state (links, sessions, credentials) takes this lock before any other row of the
 * account, so they serialise instead of deadlocking. Sent when called.
 */
export async function lockAccountRow(tx: Transaction, userId: string): Promise<void> {
  await tx.read(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [userId]);
}

/** The same lock, answering with the account as it is under it (null: no such account). */
export async function lockAccount(tx: Transaction, userId: string): Promise<User | null> {
  const [row] = await tx.read(
    `SELECT ${accountColumns(tx)} FROM users u WHERE u.id = $1 FOR UPDATE`,
    [userId],
  );
  return accountIn(tx, row);
}

/**
 * The account's row without a lock, sent when called: under the account's lock when sent
 * after it. Throws as TypeORM's findOneByOrFail does when there is no such account.
 */
export async function readAccount(tx: Transaction, userId: string): Promise<User> {
  const [row] = await tx.read(`SELECT ${accountColumns(tx)} FROM users u WHERE u.id = $1`, [
    userId,
  ]);
  const user = accountIn(tx, row);
  if (!user) throw new EntityNotFoundError(User, { id: userId });
  return user;
}

/**
 * The same lock for a change asked by a signed-in session, which must still be live once the
 * lock is taken: a password reset that committed while the request was checking its password
 * has ended the session, and nothing it asked may outlive that (a stolen session racing the
 * owner's reset). UNAUTHENTICATED otherwise, and the change does not happen. Both statements
 * are sent when called; answers with the account as it is under the lock.
 */
export async function lockAccountOfSession(
  tx: Transaction,
  userId: string,
  sessionId: string,
): Promise<User> {
  const [user, live] = await allInOrder([
    lockAccount(tx, userId),
    tx.read(
      `SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()`,
      [sessionId, userId],
    ),
  ]);
  if (!live.length) throw unauthenticated('Your session is invalid, revoked or expired.');
  if (!user) throw new EntityNotFoundError(User, { id: userId });
  return user;
}

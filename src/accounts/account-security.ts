import { AccountTokenPurpose } from '../../entities/account-token.entity';
import { endSessionsRead, readSessionsToEnd, type SessionsToEnd } from '../access/end-access';
import { allInOrder } from '../db/all-in-order';
import type { PendingEvents, Transaction } from '../db/transaction';
import type { DomainEvent } from '../events/domain-events';
import { lockAccountRow } from './lock-account';

/** Links that act on the account as it is now, and die when how one signs in changes. */
const LINKS_ENDED = [AccountTokenPurpose.PASSWORD_RESET, AccountTokenPurpose.EMAIL_CHANGE];

/**
 * What a change of the account's credentials will end, read under the account's lock
 * (`readAccountSecrets`); `end` ends it.
 */
export interface AccountSecrets {
  /** Defers the writes that end them and queues the revocation: no round trip of its own. */
  end(pending: PendingEvents<DomainEvent>): void;
}

/**
 * The first half of `endAccountSecrets`: locks the account's row and reads the sessions to
 * end, both sent when called, so a command starts them together with its own reads (one
 * round trip). The command decides, then calls `end` (its writes, deferred) once it goes on.
 */
export async function readAccountSecrets(
  tx: Transaction,
  userId: string,
  keepSessionId: string | null,
): Promise<AccountSecrets> {
  const [, sessions] = await allInOrder([
    lockAccountRow(tx, userId),
    readSessionsToEnd(tx, userId, { allExcept: keepSessionId }),
  ]);
  return { end: (pending) => endSecrets(tx, pending, userId, sessions) };
}

/**
 * The one authority over what a change of the account's credentials ends (API.md: a
 * password change or reset, a confirmed or reverted e-mail change): every session but
 * `keepSessionId`, every pending reset link and e-mail change, and any two-factor setup not
 * yet confirmed. Whoever had a stolen session, a link or a half-enrolled authenticator
 * before the change holds nothing after it. Runs in the change's own transaction, under the
 * user's row lock, so a link spent at the same moment either commits before and is undone by
 * the change's own effects, or finds itself gone.
 *
 * Its reads (the lock, the sessions) are sent when called and cost the caller's round trip
 * when started with its own reads; its writes are deferred once they are answered. A caller
 * that must decide between the reads and the writes uses `readAccountSecrets`.
 *
 * Revert links (to an earlier address) and e-mail verification links stay: neither grants
 * more than the inbox it went to already proves.
 */
export async function endAccountSecrets(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  userId: string,
  keepSessionId: string | null,
): Promise<void> {
  (await readAccountSecrets(tx, userId, keepSessionId)).end(pending);
}

function endSecrets(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  userId: string,
  sessions: SessionsToEnd,
): void {
  endSessionsRead(tx, pending, sessions);
  tx.defer({
    text: `DELETE FROM account_tokens WHERE user_id = $1 AND purpose = ANY($2::text[])`,
    values: [userId, LINKS_ENDED],
  });
  tx.defer({
    text: `UPDATE users SET two_factor_pending_secret = NULL WHERE id = $1`,
    values: [userId],
  });
}

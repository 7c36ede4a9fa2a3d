import type { EntityManager } from 'typeorm';
import type { Transaction } from '../db/transaction';
import { AccountToken, AccountTokenPurpose } from '../../entities/account-token.entity';
import { generateToken, hashToken } from '../auth/token';
import { badInput } from '../errors/errors';

/** How long each kind of e-mailed link stays valid. */
export const ACCOUNT_TOKEN_TTL_MS: Record<AccountTokenPurpose, number> = {
  [AccountTokenPurpose.PASSWORD_RESET]: 60 * 60 * 1000,
  [AccountTokenPurpose.EMAIL_VERIFICATION]: 24 * 60 * 60 * 1000,
  [AccountTokenPurpose.EMAIL_CHANGE]: 60 * 60 * 1000,
  [AccountTokenPurpose.EMAIL_REVERT]: 7 * 24 * 60 * 60 * 1000,
  [AccountTokenPurpose.TWO_FACTOR_REVERT]: 7 * 24 * 60 * 60 * 1000,
};

/** What every link operation answers (field `token`) for a link that does not work. */
export const linkNotValid = () =>
  badInput('token', 'This link is not valid any more; ask for a new one.');

/**
 * Kinds of link of which only the newest works. Revert links are not among them: the old
 * address keeps its way back even when the account moves on again (see revertEmailChange),
 * and an enrolment's undo links (one per address, issued together) die when two-factor is
 * turned off (see revertTwoFactorSetup).
 */
const NEWEST_ONLY: ReadonlySet<AccountTokenPurpose> = new Set([
  AccountTokenPurpose.PASSWORD_RESET,
  AccountTokenPurpose.EMAIL_VERIFICATION,
  AccountTokenPurpose.EMAIL_CHANGE,
]);

/** Generated tokens are 43 characters; anything much longer is not a token. */
const TOKEN_MAX = 200;

/**
 * Issues a link token: 256 random bits, only the SHA-256 stored. Issuing kills every earlier
 * unused token of the same purpose for the user (but revert links), so only the newest works.
 * Writes only, deferred (no round trip of its own): the caller holds the account's row lock
 * (lockAccountRow, or the account is its own new row), which serialises concurrent issues so
 * exactly one link stays alive.
 */
export function issueAccountToken(
  tx: Transaction,
  userId: string,
  purpose: AccountTokenPurpose,
  email: string,
): { token: string; expiresAt: Date } {
  if (NEWEST_ONLY.has(purpose)) {
    tx.defer({
      text: `DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2`,
      values: [userId, purpose],
    });
  }
  const token = generateToken();
  const expiresAt = new Date(Date.now() + ACCOUNT_TOKEN_TTL_MS[purpose]);
  tx.defer({
    text: `INSERT INTO account_tokens (user_id, purpose, token_hash, email, expires_at)
           VALUES ($1, $2, $3, $4, $5)`,
    values: [userId, purpose, hashToken(token), email, expiresAt],
  });
  return { token, expiresAt };
}

/** A link a token names, as found before its transaction: none of this ever changes. */
export type AccountLink = Pick<
  AccountToken,
  'id' | 'userId' | 'purpose' | 'email' | 'createdAt'
> & {
  /** Unused and unexpired when found (it may be spent by another request since). */
  usable: boolean;
};

/**
 * The link `token` names, found before the transaction that spends it (`spendAccountLink`):
 * whose account to lock. Null for an unknown token or one of another purpose; whether it is
 * still unused and unexpired is decided under the account's lock.
 */
export async function findAccountLink(
  db: EntityManager,
  purpose: AccountTokenPurpose,
  token: string,
): Promise<AccountLink | null> {
  if (!token || token.length > TOKEN_MAX) return null;
  const [row]: {
    id: string;
    user_id: string;
    email: string;
    created_at: Date;
    usable: boolean;
  }[] = await db.query(
    `SELECT id, user_id, email, created_at, used_at IS NULL AND expires_at > now() AS usable
       FROM account_tokens WHERE token_hash = $1 AND purpose = $2`,
    [hashToken(token), purpose],
  );
  return row
    ? {
        id: row.id,
        userId: row.user_id,
        purpose,
        email: row.email,
        createdAt: row.created_at,
        usable: row.usable,
      }
    : null;
}

/**
 * Spends a link found with `findAccountLink`: one conditional UPDATE, sent when called, after
 * the caller's lock of the link's account (the order every change of account security state
 * takes, see endAccountSecrets; a deletion holding the account deletes its links, so taking
 * the link first could deadlock). Of two concurrent uses the second waits for the account and
 * then finds the link used. False for a used, expired or deleted link.
 */
export async function spendAccountLink(tx: Transaction, link: AccountLink): Promise<boolean> {
  const spent = await tx.read(
    `UPDATE account_tokens SET used_at = $2
      WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING id`,
    [link.id, new Date()],
  );
  return spent.length === 1;
}

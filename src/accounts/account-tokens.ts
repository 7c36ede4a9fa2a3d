import type { EntityManager } from 'typeorm';
import { AccountToken, AccountTokenPurpose } from '../../entities/account-token.entity';
import { generateToken, hashToken } from '../auth/token';
import { badInput } from '../errors/errors';
import { lockAccountRow } from './lock-account';

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
 */
export async function issueAccountToken(
  tx: EntityManager,
  userId: string,
  purpose: AccountTokenPurpose,
  email: string,
): Promise<{ token: string; expiresAt: Date }> {
  // The user's row lock serialises concurrent issues, so exactly one link stays alive.
  await lockAccountRow(tx, userId);
  if (NEWEST_ONLY.has(purpose)) await tx.delete(AccountToken, { userId, purpose });
  const token = generateToken();
  const expiresAt = new Date(Date.now() + ACCOUNT_TOKEN_TTL_MS[purpose]);
  await tx.insert(AccountToken, { userId, purpose, tokenHash: hashToken(token), email, expiresAt });
  return { token, expiresAt };
}

/**
 * Spends a token: its account's row is locked first, then the token's, both in the caller's
 * transaction — the order every change of account security state takes (see
 * endAccountSecrets), so a link spent while the account changes waits instead of
 * deadlocking, and two concurrent uses get it once. Null for unknown, used, expired or
 * other-purpose tokens.
 */
export async function consumeAccountToken(
  tx: EntityManager,
  purpose: AccountTokenPurpose,
  token: string,
): Promise<AccountToken | null> {
  if (!token || token.length > TOKEN_MAX) return null;
  // The account first (the domain's lock order, src/db/lock-order.ts): every use of a link
  // changes its account, and a deletion holding the account deletes the links, so taking the
  // link first could deadlock.
  const tokenHash = hashToken(token);
  const found = await tx
    .getRepository(AccountToken)
    .findOne({ where: { tokenHash, purpose }, select: { id: true, userId: true } });
  if (!found) return null;
  await lockAccountRow(tx, found.userId);
  const row = await tx
    .getRepository(AccountToken)
    .createQueryBuilder('t')
    .setLock('pessimistic_write')
    .where('t.id = :id AND t.token_hash = :tokenHash', { id: found.id, tokenHash })
    .andWhere('t.used_at IS NULL AND t.expires_at > now()')
    .getOne();
  if (!row) return null;
  await tx.update(AccountToken, { id: row.id }, { usedAt: new Date() });
  return row;
}

import type { EntityManager } from 'typeorm';
import { AccountToken, AccountTokenPurpose } from '../../entities/account-token.entity';
import { generateToken, hashToken } from '../auth/token';

/** How long each kind of e-mailed link stays valid. */
export const ACCOUNT_TOKEN_TTL_MS: Record<AccountTokenPurpose, number> = {
  [AccountTokenPurpose.PASSWORD_RESET]: 60 * 60 * 1000,
  [AccountTokenPurpose.EMAIL_VERIFICATION]: 24 * 60 * 60 * 1000,
  [AccountTokenPurpose.EMAIL_CHANGE]: 60 * 60 * 1000,
};

/** Generated tokens are 43 characters; anything much longer is not a token. */
const TOKEN_MAX = 200;

/**
 * Issues a link token: 256 random bits, only the SHA-256 stored. Issuing kills every earlier
 * unused token of the same purpose for the user, so only the newest link works.
 */
export async function issueAccountToken(
  tx: EntityManager,
  userId: string,
  purpose: AccountTokenPurpose,
  email: string,
): Promise<{ token: string; expiresAt: Date }> {
  // The user's row lock serialises concurrent issues, so exactly one link stays alive.
  await tx.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [userId]);
  await tx.delete(AccountToken, { userId, purpose });
  const token = generateToken();
  const expiresAt = new Date(Date.now() + ACCOUNT_TOKEN_TTL_MS[purpose]);
  await tx.insert(AccountToken, { userId, purpose, tokenHash: hashToken(token), email, expiresAt });
  return { token, expiresAt };
}

/**
 * Spends a token: the row is locked and marked used in the caller's transaction, so two
 * concurrent uses get it once. Null for unknown, used, expired or other-purpose tokens.
 */
export async function consumeAccountToken(
  tx: EntityManager,
  purpose: AccountTokenPurpose,
  token: string,
): Promise<AccountToken | null> {
  if (!token || token.length > TOKEN_MAX) return null;
  // The account first (the domain's lock order): every use of a link changes its account, and
  // a deletion holding the account deletes the links, so taking the link first could deadlock.
  const [owner]: { user_id: string }[] = await tx.query(
    `SELECT user_id FROM account_tokens WHERE token_hash = $1 AND purpose = $2`,
    [hashToken(token), purpose],
  );
  if (!owner) return null;
  await tx.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [owner.user_id]);
  const row = await tx
    .getRepository(AccountToken)
    .createQueryBuilder('t')
    .setLock('pessimistic_write')
    .where('t.token_hash = :hash AND t.purpose = :purpose', { hash: hashToken(token), purpose })
    .andWhere('t.used_at IS NULL AND t.expires_at > now()')
    .getOne();
  if (!row) return null;
  await tx.update(AccountToken, { id: row.id }, { usedAt: new Date() });
  return row;
}

import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/password-hasher';
import { generateToken, hashToken } from '../../src/auth/token';
import { STRONG_PASSWORD, type TestUser } from '../factories/user.factory';
import type { TestApp } from './test-app';

let sharedHash: Promise<string> | undefined;

/**
 * Inserts a user and a live session directly (one shared argon2 hash), for tests that need
 * many users and are about something other than sign-up — e.g. the authorization matrix.
 */
export async function insertUser(app: TestApp): Promise<TestUser> {
  sharedHash ??= hashPassword(STRONG_PASSWORD);
  const id = randomUUID();
  const suffix = randomBytes(4).toString('hex');
  const email = `fast-${suffix}@example.com`;
  const displayName = `Fast ${suffix}`;
  const token = generateToken();
  await app.sql(
    `INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)`,
    [id, email, displayName, await sharedHash],
  );
  await app.sql(
    `INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, $2, now() + interval '1 day')`,
    [id, hashToken(token)],
  );
  return { id, email, displayName, password: STRONG_PASSWORD, token };
}

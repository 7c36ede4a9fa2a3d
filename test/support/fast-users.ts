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
  const [user] = await insertUsers(app, 1);
  return user;
}

/** As `insertUser`, for `count` users at once: two statements whatever the count. */
export async function insertUsers(app: TestApp, count: number): Promise<TestUser[]> {
  sharedHash ??= hashPassword(STRONG_PASSWORD);
  const users = Array.from({ length: count }, (): TestUser => {
    const suffix = randomBytes(4).toString('hex');
    return {
      id: randomUUID(),
      email: `fast-${suffix}@example.com`,
      displayName: `Fast ${suffix}`,
      password: STRONG_PASSWORD,
      token: generateToken(),
    };
  });
  await app.sql(
    `INSERT INTO users (id, email, display_name, password_hash)
     SELECT id, email, display_name, $4 FROM unnest($1::uuid[], $2::text[], $3::text[])
       AS u(id, email, display_name)`,
    [
      users.map((u) => u.id),
      users.map((u) => u.email),
      users.map((u) => u.displayName),
      await sharedHash,
    ],
  );
  await app.sql(
    `INSERT INTO sessions (user_id, token_hash, expires_at)
     SELECT user_id, token_hash, now() + interval '1 day'
       FROM unnest($1::uuid[], $2::text[]) AS s(user_id, token_hash)`,
    [users.map((u) => u.id), users.map((u) => hashToken(u.token))],
  );
  return users;
}

import { randomBytes } from 'node:crypto';
import type { TestApp } from '../support/test-app';

export interface TestUser {
  id: string;
  email: string;
  displayName: string;
  password: string;
  token: string;
}

/** A password the strength policy accepts. */
export const STRONG_PASSWORD = 'Quartz-Lantern-Meadow-47!';

let counter = 0;

/** Signs a new user up through the API. */
export async function buildUser(
  app: TestApp,
  overrides: Partial<Pick<TestUser, 'email' | 'displayName' | 'password'>> = {},
): Promise<TestUser> {
  counter += 1;
  const suffix = `${counter}-${randomBytes(3).toString('hex')}`;
  const input = {
    email: overrides.email ?? `user-${suffix}@example.com`,
    displayName: overrides.displayName ?? `Tester ${suffix}`,
    password: overrides.password ?? STRONG_PASSWORD,
  };
  const response = await app.gql<{
    signUp: { token: string; user: { id: string; email: string } };
  }>(`mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id email } } }`, {
    input,
  });
  if (!response.data?.signUp) throw new Error(`signUp failed: ${JSON.stringify(response.errors)}`);
  const { token, user } = response.data.signUp;
  return {
    id: user.id,
    email: user.email,
    displayName: input.displayName,
    password: input.password,
    token,
  };
}

/**
 * Marks the user's address verified (a setup shortcut; verifying by the e-mailed link is
 * tested on its own). Do it before the user's first request, which may cache their profile.
 */
export async function markEmailVerified(app: TestApp, user: Pick<TestUser, 'id'>): Promise<void> {
  await app.sql(`UPDATE users SET email_verified_at = now() WHERE id = $1`, [user.id]);
}

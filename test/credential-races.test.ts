import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { holdRow, untilLockWaiters } from './support/row-gate';
import { enableTwoFactor } from './support/two-factor';
import { errorCode, startTestApp, type GraphqlResponse, type TestApp } from './support/test-app';

/**
 * A command that checks the password checks it before the account's lock (argon2 is slow), so
 * two of them sent at once both pass the check. Once one has changed the password, the other
 * must not commit on the password it checked: it is CONFLICT and changes nothing. The requests
 * queue on the account's row (a test transaction holds it) in a chosen order, after both have
 * checked the password, so they meet every time.
 */
describe('commands that check the password, racing a password change', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  const CHANGE_PASSWORD = `mutation ($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next) }`;
  const FIRST_NEW = 'Harbour-Violet-Tundra-58?';
  const SECOND_NEW = 'Copper-Orchid-Glacier-93!';

  /**
   * Sends the requests one by one while the account row is held, each once the one before it
   * waits on the lock, so they take the lock in this order; then lets them run.
   */
  async function queuedInOrder(
    user: TestUser,
    requests: [string, Record<string, unknown>][],
  ): Promise<GraphqlResponse[]> {
    const gate = await holdRow(app.databaseUrl, 'users', user.id);
    try {
      const answers: Promise<GraphqlResponse>[] = [];
      for (const [query, variables] of requests) {
        answers.push(app.gql(query, variables, user.token));
        await untilLockWaiters(app, answers.length);
      }
      await gate.release();
      return await Promise.all(answers);
    } finally {
      await gate.release();
    }
  }

  const canLogIn = async (user: TestUser, password: string) =>
    !(
      await app.gql(
        `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
        { e: user.email, p: password },
      )
    ).errors;

  it('two changePassword from one session with the same current password: the first wins, the second is CONFLICT', async () => {
    const user = await buildUser(app);
    const answers = await queuedInOrder(user, [
      [CHANGE_PASSWORD, { current: STRONG_PASSWORD, next: FIRST_NEW }],
      [CHANGE_PASSWORD, { current: STRONG_PASSWORD, next: SECOND_NEW }],
    ]);
    expect(answers[0].errors).toBeUndefined();
    expect(errorCode(answers[1])).toBe('CONFLICT');
    expect(await canLogIn(user, FIRST_NEW)).toBe(true);
    expect(await canLogIn(user, SECOND_NEW)).toBe(false);
    expect(await canLogIn(user, STRONG_PASSWORD)).toBe(false);
  });

  it('requestEmailChange checked against the old password, committing after the change: CONFLICT, no link', async () => {
    const user = await buildUser(app);
    const [changed, request] = await queuedInOrder(user, [
      [CHANGE_PASSWORD, { current: STRONG_PASSWORD, next: FIRST_NEW }],
      [
        `mutation ($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) }`,
        { e: `moved-${user.id}@example.com`, p: STRONG_PASSWORD },
      ],
    ]);
    expect(changed.errors).toBeUndefined();
    expect(errorCode(request)).toBe('CONFLICT');
    const links = await app.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM account_tokens WHERE user_id = $1 AND purpose = 'EMAIL_CHANGE'`,
      [user.id],
    );
    expect(links[0].n).toBe(0);
  });

  it('disableTwoFactor checked against the old password, committing after the change: CONFLICT, two-factor stays on', async () => {
    const user = await buildUser(app);
    const { recoveryCodes } = await enableTwoFactor(app, user);
    const [changed, disabled] = await queuedInOrder(user, [
      [CHANGE_PASSWORD, { current: STRONG_PASSWORD, next: FIRST_NEW }],
      [
        `mutation ($p: String!, $c: String!) { disableTwoFactor(password: $p, code: $c) }`,
        { p: STRONG_PASSWORD, c: recoveryCodes[0] },
      ],
    ]);
    expect(changed.errors).toBeUndefined();
    expect(errorCode(disabled)).toBe('CONFLICT');
    const [row] = await app.sql<{ on: boolean; unused: number }>(
      `SELECT two_factor_enabled_at IS NOT NULL AS on,
              (SELECT count(*)::int FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL) AS unused
         FROM users WHERE id = $1`,
      [user.id],
    );
    expect(row).toEqual({ on: true, unused: recoveryCodes.length });
  });

  it('confirmIdentity with the old password, committing after the change: CONFLICT, the window stays shut', async () => {
    const user = await buildUser(app);
    const [before] = await app.sql<{ at: string }>(
      `SELECT authenticated_at::text AS at FROM sessions WHERE user_id = $1`,
      [user.id],
    );
    const [changed, confirmed] = await queuedInOrder(user, [
      [CHANGE_PASSWORD, { current: STRONG_PASSWORD, next: FIRST_NEW }],
      [`mutation ($p: String!) { confirmIdentity(password: $p) }`, { p: STRONG_PASSWORD }],
    ]);
    expect(changed.errors).toBeUndefined();
    expect(errorCode(confirmed)).toBe('CONFLICT');
    const [after] = await app.sql<{ at: string }>(
      `SELECT authenticated_at::text AS at FROM sessions WHERE user_id = $1`,
      [user.id],
    );
    expect(after.at).toBe(before.at);
  });
});

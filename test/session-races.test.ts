import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { holdRow, untilLockWaiters } from './support/row-gate';
import { errorCode, startTestApp, type GraphqlResponse, type TestApp } from './support/test-app';

/**
 * Requests that end the same session, sent at once, end as one order of them would: the
 * session is ended once, and the request that comes second finds it ended. Both are queued on
 * the account's row (a test transaction holds it), so they meet every time.
 */
describe('requests that end the same session at once', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  async function signIn(user: TestUser): Promise<{ token: string; id: string }> {
    const response = await app.gql<{ logIn: { token: string } }>(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: user.email, p: STRONG_PASSWORD },
    );
    const token = response.data!.logIn.token;
    const mine = await app.gql<{ mySessions: { id: string; current: boolean }[] }>(
      `{ mySessions { id current } }`,
      {},
      token,
    );
    return { token, id: mine.data!.mySessions.find((s) => s.current)!.id };
  }

  /** Sends both requests while the account row is held, then lets them run in their order. */
  async function atOnce(
    user: TestUser,
    requests: [string, Record<string, unknown>, string][],
  ): Promise<GraphqlResponse[]> {
    const gate = await holdRow(app.databaseUrl, 'users', user.id);
    try {
      const answers = Promise.all(requests.map(([q, v, token]) => app.gql(q, v, token)));
      await untilLockWaiters(app, requests.length);
      await gate.release();
      return await answers;
    } finally {
      await gate.release();
    }
  }

  const outcome = (response: GraphqlResponse) =>
    response.errors ? errorCode(response) : JSON.stringify(response.data);

  it('logOut and revokeSession of the same session: one ends it, the other is UNAUTHENTICATED', async () => {
    const user = await buildUser(app);
    const session = await signIn(user);
    const answers = await atOnce(user, [
      [`mutation { logOut }`, {}, session.token],
      [`mutation ($id: ID!) { revokeSession(id: $id) }`, { id: session.id }, session.token],
    ]);
    expect(answers.map(outcome).sort()).toEqual(
      [answers[0].errors ? '{"revokeSession":true}' : '{"logOut":true}', 'UNAUTHENTICATED'].sort(),
    );
    const [row] = await app.sql<{ revoked: boolean }>(
      `SELECT revoked_at IS NOT NULL AS revoked FROM sessions WHERE id = $1`,
      [session.id],
    );
    expect(row.revoked).toBe(true);
  });

  it('two logOut of one session: one ends it, the other is UNAUTHENTICATED', async () => {
    const user = await buildUser(app);
    const session = await signIn(user);
    const answers = await atOnce(user, [
      [`mutation { logOut }`, {}, session.token],
      [`mutation { logOut }`, {}, session.token],
    ]);
    expect(answers.map(outcome).sort()).toEqual(['UNAUTHENTICATED', '{"logOut":true}']);
  });

  it('revokeOtherSessions and revokeSession of one of those sessions: it is ended once', async () => {
    const user = await buildUser(app);
    const keeper = await signIn(user);
    const other = await signIn(user);
    const answers = await atOnce(user, [
      [`mutation { revokeOtherSessions }`, {}, keeper.token],
      [`mutation ($id: ID!) { revokeSession(id: $id) }`, { id: other.id }, keeper.token],
    ]);
    const [others, single] = answers;
    // Either order: the session ended by the first is not ended again by the second.
    const revokedByOthers = (others.data as { revokeOtherSessions: number }).revokeOtherSessions;
    if (single.errors) {
      expect(errorCode(single)).toBe('NOT_FOUND');
      expect(revokedByOthers).toBe(2); // the sign-up's session and `other`
    } else {
      expect(single.data).toEqual({ revokeSession: true });
      expect(revokedByOthers).toBe(1);
    }
  });
});

import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { useMailingApp } from './support/mailing-app';
import { startTestApp, errorCode, type GraphqlResponse, type TestApp } from './support/test-app';
import {
  BEGIN_SETUP,
  CONFIRM_SETUP,
  awayFromStepBoundary,
  enableTwoFactor,
  totpCode,
} from './support/two-factor';

const LOG_IN = `mutation ($e: String!, $p: String!, $c: String) { logIn(email: $e, password: $p, code: $c) { token } }`;
const CONFIRM_IDENTITY = `mutation ($p: String!, $c: String) { confirmIdentity(password: $p, code: $c) }`;
const SESSIONS = `{ mySessions { id current } }`;

// No cached sessions: a session's authentication time is read on every request.
const suite = useMailingApp({ SESSION_CACHE_TTL: '0' });
/** A second instance of the same deployment whose window has always passed (REAUTH_WINDOW). */
let strict: TestApp;
beforeAll(async () => {
  strict = await startTestApp({ SESSION_CACHE_TTL: '0', REAUTH_WINDOW: '1ms' }, suite.app);
});
afterAll(() => strict?.stop());

const reason = (response: GraphqlResponse) => response.errors?.[0]?.extensions?.reason;

/** A signed-in user whose log-in was an hour ago (a stolen, long-lived session). */
async function staleUser(): Promise<TestUser> {
  const user = await buildUser(suite.app);
  await suite.app.sql(
    `UPDATE sessions SET authenticated_at = now() - interval '1 hour' WHERE user_id = $1`,
    [user.id],
  );
  return user;
}

async function secondSession(user: TestUser): Promise<string> {
  const response = await suite.app.gql<{ logIn: { token: string } }>(LOG_IN, {
    e: user.email,
    p: user.password,
  });
  return response.data!.logIn.token;
}

async function sessionIds(user: TestUser): Promise<string[]> {
  const rows = await suite.app.sql<{ id: string }>(
    `SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id`,
    [user.id],
  );
  return rows.map((r) => r.id);
}

function expectReauthentication(response: GraphqlResponse): void {
  expect(errorCode(response)).toBe('FORBIDDEN');
  expect(reason(response)).toBe('REAUTHENTICATION_REQUIRED');
}

describe('recent authentication (sudo mode)', () => {
  it('refuses a stale session every operation that changes how one signs in, changing nothing', async () => {
    const user = await staleUser();
    const other = await secondSession(user);
    const otherId = (await suite.app.gql<{ mySessions: { id: string; current: boolean }[] }>(
      SESSIONS,
      {},
      other,
    ))!.data!.mySessions.find((s) => s.current)!.id;
    const before = await sessionIds(user);

    expectReauthentication(await suite.app.gql(BEGIN_SETUP, {}, user.token));
    expectReauthentication(await suite.app.gql(CONFIRM_SETUP, { code: '123456' }, user.token));
    expectReauthentication(
      await suite.app.gql(`mutation { regenerateRecoveryCodes(code: "123456") }`, {}, user.token),
    );
    expectReauthentication(await suite.app.gql(`mutation { revokeOtherSessions }`, {}, user.token));
    expectReauthentication(
      await suite.app.gql(
        `mutation ($id: ID!) { revokeSession(id: $id) }`,
        { id: otherId },
        user.token,
      ),
    );

    expect(await sessionIds(user)).toEqual(before);
    const [row] = await suite.app.sql<{ pending: string | null }>(
      `SELECT two_factor_pending_secret AS pending FROM users WHERE id = $1`,
      [user.id],
    );
    expect(row.pending).toBeNull();
  });

  it('lets a stale session end itself: revoking one’s own session is a log-out', async () => {
    const user = await staleUser();
    const own = await suite.app.gql<{ mySessions: { id: string }[] }>(SESSIONS, {}, user.token);
    const id = own.data!.mySessions[0].id;
    expect(
      (await suite.app.gql(`mutation ($id: ID!) { revokeSession(id: $id) }`, { id }, user.token))
        .data,
    ).toEqual({ revokeSession: true });
  });

  it('opens the window again with confirmIdentity; a wrong password keeps it shut', async () => {
    const user = await staleUser();
    const wrong = await suite.app.gql(CONFIRM_IDENTITY, { p: 'Not-The-Password-1!' }, user.token);
    expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors![0].extensions!.field).toBe('password');
    expectReauthentication(await suite.app.gql(BEGIN_SETUP, {}, user.token));

    expect(
      (await suite.app.gql(CONFIRM_IDENTITY, { p: STRONG_PASSWORD }, user.token)).data,
    ).toEqual({ confirmIdentity: true });
    const begun = await suite.app.gql(BEGIN_SETUP, {}, user.token);
    expect(begun.errors).toBeUndefined();
    expect(await suite.app.gql(`mutation { revokeOtherSessions }`, {}, user.token)).toMatchObject({
      data: { revokeOtherSessions: 0 },
    });
  });

  it('asks for the second factor when two-factor is on', async () => {
    const user = await buildUser(suite.app);
    const { secret } = await enableTwoFactor(suite.app, user);
    await suite.app.sql(
      `UPDATE sessions SET authenticated_at = now() - interval '1 hour' WHERE user_id = $1`,
      [user.id],
    );
    expect(
      errorCode(await suite.app.gql(CONFIRM_IDENTITY, { p: STRONG_PASSWORD }, user.token)),
    ).toBe('TWO_FACTOR_REQUIRED');
    const badCode = await suite.app.gql(
      CONFIRM_IDENTITY,
      { p: STRONG_PASSWORD, c: '000000' },
      user.token,
    );
    expect(errorCode(badCode)).toBe('BAD_USER_INPUT');
    expectReauthentication(
      await suite.app.gql(`mutation { regenerateRecoveryCodes(code: "x") }`, {}, user.token),
    );
    await awayFromStepBoundary();
    // The current step's code was spent turning two-factor on; the next step's is accepted too.
    const confirmed = await suite.app.gql(
      CONFIRM_IDENTITY,
      { p: STRONG_PASSWORD, c: await totpCode(secret, 1) },
      user.token,
    );
    expect(confirmed.data).toEqual({ confirmIdentity: true });
    // The window is open; the operation's own check of its code is what answers now.
    expect(
      errorCode(
        await suite.app.gql(`mutation { regenerateRecoveryCodes(code: "000000") }`, {}, user.token),
      ),
    ).toBe('BAD_USER_INPUT');
  });

  it('counts from log-in for REAUTH_WINDOW: an instance with a shorter window refuses the same fresh session', async () => {
    const user = await buildUser(suite.app);
    // Fresh on the suite's instance (10 minutes) …
    expect((await suite.app.gql(BEGIN_SETUP, {}, user.token)).errors).toBeUndefined();
    // … past the window on one configured with 1 ms, even right after confirmIdentity.
    expectReauthentication(await strict.gql(BEGIN_SETUP, {}, user.token));
    expect((await strict.gql(CONFIRM_IDENTITY, { p: STRONG_PASSWORD }, user.token)).data).toEqual({
      confirmIdentity: true,
    });
    expectReauthentication(await strict.gql(`mutation { revokeOtherSessions }`, {}, user.token));
  });

  it('is UNAUTHENTICATED for anonymous callers, before any window is looked at', async () => {
    expect(errorCode(await suite.app.gql(BEGIN_SETUP))).toBe('UNAUTHENTICATED');
    expect(errorCode(await suite.app.gql(CONFIRM_IDENTITY, { p: STRONG_PASSWORD }))).toBe(
      'UNAUTHENTICATED',
    );
  });
});

import { buildUser } from './factories/user.factory';
import { subjectOf, tokenIn, waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

const REQUEST = `mutation ($email: String!) { requestPasswordReset(email: $email) }`;
const RESET = `mutation ($token: String!, $p: String!) { resetPassword(token: $token, newPassword: $p) }`;
const LOG_IN = `mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }`;
const NEW_PASSWORD = 'Otter-Glacier-Violet-93#';
const RESET_SUBJECT = 'Reset your teamgraph password';

const suite = useMailingApp({ PUBLIC_URL: 'https://teams.example.test' });

/** Requests a reset (typed as `typed`, default the address itself) and returns the mailed token. */
async function requestReset(email: string, typed = email): Promise<string> {
  const before = suite.inbox.messages.filter(
    (m) => m.to.includes(email) && subjectOf(m) === RESET_SUBJECT,
  ).length;
  const response = await suite.app.gql<{ requestPasswordReset: boolean }>(REQUEST, {
    email: typed,
  });
  expect(response.data?.requestPasswordReset).toBe(true);
  return tokenIn(await waitForMail(suite.inbox, email, RESET_SUBJECT, before + 1));
}

describe('password reset', () => {
  it('answers true for unknown addresses too, and sends nothing to them', async () => {
    const unknown = `nobody-${Date.now()}@example.com`;
    const response = await suite.app.gql<{ requestPasswordReset: boolean }>(REQUEST, {
      email: unknown,
    });
    expect(response.data?.requestPasswordReset).toBe(true);
    // A known address sent afterwards arrives; the unknown one still has nothing.
    const user = await buildUser(suite.app);
    await requestReset(user.email);
    expect(suite.inbox.messages.filter((m) => m.to.includes(unknown))).toEqual([]);
  });

  it('e-mails a link from PUBLIC_URL whose token sets a new password, ends every session and sends a notice', async () => {
    const user = await buildUser(suite.app);
    const second = await suite.app.gql<{ logIn: { token: string } }>(LOG_IN, {
      email: user.email,
      password: user.password,
    });
    const token = await requestReset(user.email, `  ${user.email.toUpperCase()} `);
    const mail = suite.inbox.messages.find((m) => m.decoded.includes(token))!;
    expect(mail.decoded).toContain(
      `https://teams.example.test/account/reset-password#token=${token}`,
    );

    const reset = await suite.app.gql(RESET, { token, p: NEW_PASSWORD });
    expect(reset.errors).toBeUndefined();
    expect(reset.data).toEqual({ resetPassword: true });

    for (const old of [user.token, second.data!.logIn.token]) {
      expect(errorCode(await suite.app.gql(`{ mySessions { id } }`, {}, old))).toBe(
        'UNAUTHENTICATED',
      );
    }
    expect(
      errorCode(await suite.app.gql(LOG_IN, { email: user.email, password: user.password })),
    ).toBe('UNAUTHENTICATED');
    const fresh = await suite.app.gql(LOG_IN, { email: user.email, password: NEW_PASSWORD });
    expect(fresh.errors).toBeUndefined();
    await waitForMail(suite.inbox, user.email, 'Your teamgraph password was reset');
    // Only the hash is stored.
    const rows = await suite.app.sql<{ token_hash: string }>(
      `SELECT token_hash FROM account_tokens WHERE user_id = $1`,
      [user.id],
    );
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('works once: a used link is refused', async () => {
    const user = await buildUser(suite.app);
    const token = await requestReset(user.email);
    expect((await suite.app.gql(RESET, { token, p: NEW_PASSWORD })).errors).toBeUndefined();
    const again = await suite.app.gql(RESET, { token, p: 'Another-Harbor-Lamp-58$' });
    expect(errorCode(again)).toBe('BAD_USER_INPUT');
    expect(again.errors![0].extensions!.field).toBe('token');
    const login = await suite.app.gql(LOG_IN, { email: user.email, password: NEW_PASSWORD });
    expect(login.errors).toBeUndefined();
  });

  it('dies when a newer link is issued', async () => {
    const user = await buildUser(suite.app);
    const first = await requestReset(user.email);
    const second = await requestReset(user.email);
    expect(first).not.toBe(second);
    expect(errorCode(await suite.app.gql(RESET, { token: first, p: NEW_PASSWORD }))).toBe(
      'BAD_USER_INPUT',
    );
    expect((await suite.app.gql(RESET, { token: second, p: NEW_PASSWORD })).errors).toBeUndefined();
  });

  it('expires after an hour', async () => {
    const user = await buildUser(suite.app);
    const token = await requestReset(user.email);
    const [row] = await suite.app.sql<{ minutes: number }>(
      `SELECT round(extract(epoch FROM expires_at - created_at) / 60)::int AS minutes
         FROM account_tokens WHERE user_id = $1 AND purpose = 'PASSWORD_RESET'`,
      [user.id],
    );
    expect(row.minutes).toBe(60);
    await suite.app.sql(
      `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.id],
    );
    expect(errorCode(await suite.app.gql(RESET, { token, p: NEW_PASSWORD }))).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('applies the sign-up strength policy and keeps the link usable after a weak try', async () => {
    const user = await buildUser(suite.app);
    const token = await requestReset(user.email);
    const weak = await suite.app.gql(RESET, { token, p: 'password123' });
    expect(errorCode(weak)).toBe('BAD_USER_INPUT');
    expect(weak.errors![0].extensions!.field).toBe('newPassword');
    // Nothing changed: the old password and session still work.
    expect((await suite.app.gql(`{ me { id } }`, {}, user.token)).data).toEqual({
      me: { id: user.id },
    });
    expect((await suite.app.gql(RESET, { token, p: NEW_PASSWORD })).errors).toBeUndefined();
  });

  it('refuses garbage tokens and bad addresses as BAD_USER_INPUT', async () => {
    expect(
      errorCode(await suite.app.gql(RESET, { token: 'x'.repeat(5000), p: NEW_PASSWORD })),
    ).toBe('BAD_USER_INPUT');
    const bad = await suite.app.gql(REQUEST, { email: 'not an address' });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0].extensions!.field).toBe('email');
  });
});

describe('password reset rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ RATE_LIMITS: 'on', SMTP_URL: suite.inbox.url });
  });
  afterAll(() => limited.stop());

  const aliased = (emails: string[]) =>
    `mutation { ${emails.map((e, i) => `a${i}: requestPasswordReset(email: ${JSON.stringify(e)})`).join(' ')} }`;

  it('allows 5 requests per address per hour, however the address is spelled, counting each alias', async () => {
    const user = await buildUser(limited);
    const spellings = [
      user.email,
      user.email.toUpperCase(),
      ` ${user.email}`,
      user.email,
      user.email,
      user.email,
    ];
    const response = await limited.gql<Record<string, boolean>>(aliased(spellings));
    expect(response.errors?.map((e) => [e.path, e.extensions!.code])).toEqual([
      [['a5'], 'RATE_LIMITED'],
    ]);
    // The five accepted requests each mailed a link (issued in the background, one at a time).
    await waitForMail(suite.inbox, user.email, RESET_SUBJECT, 5);
    const [row] = await limited.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM account_tokens WHERE user_id = $1 AND purpose = 'PASSWORD_RESET'`,
      [user.id],
    );
    // Each accepted request replaced the previous link: one live token.
    expect(row.n).toBe(1);
  });

  it('allows 20 requests per IP per hour across addresses', async () => {
    const fresh = await startTestApp({ RATE_LIMITS: 'on' });
    try {
      const addresses = (from: number, n: number) =>
        Array.from({ length: n }, (_, i) => `someone-${from + i}@example.com`);
      const first = await fresh.gql(aliased(addresses(0, 15)));
      expect(first.errors).toBeUndefined();
      const second = await fresh.gql(aliased(addresses(15, 6)));
      expect(second.errors?.map((e) => [e.path, e.extensions!.code])).toEqual([
        [['a5'], 'RATE_LIMITED'],
      ]);
      expect(second.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      await fresh.stop();
    }
  });

  it('limits attempts to use reset links per IP', async () => {
    const fresh = await startTestApp({ RATE_LIMITS: 'on' });
    try {
      // One attempt per request: a failed non-null mutation field stops the rest of a document.
      const codes: unknown[] = [];
      for (let i = 0; i < 51; i += 1) {
        const response = await fresh.gql(RESET, { token: `bogus-${i}`, p: NEW_PASSWORD });
        codes.push(errorCode(response));
      }
      expect(codes.filter((c) => c === 'BAD_USER_INPUT')).toHaveLength(50);
      expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(1);
    } finally {
      await fresh.stop();
    }
  });
});

import { freshEmail } from './factories/invitation.factory';
import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { emailChangeTokens, resetToken } from './support/account-links';
import { useMailingApp } from './support/mailing-app';
import { errorCode } from './support/test-app';
import { BEGIN_SETUP, CONFIRM_SETUP, awayFromStepBoundary, totpCode } from './support/two-factor';

const LOG_IN = `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`;
const RESET = `mutation ($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }`;
const CONFIRM_CHANGE = `mutation ($t: String!) { confirmEmailChange(token: $t) { email } }`;
const CHANGE_PASSWORD = `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`;
const NEW_PASSWORD = 'Otter-Glacier-Violet-93#';

const suite = useMailingApp();

async function logIn(email: string, password: string): Promise<string> {
  const response = await suite.app.gql<{ logIn: { token: string } }>(LOG_IN, {
    e: email,
    p: password,
  });
  if (!response.data?.logIn) throw new Error(JSON.stringify(response.errors));
  return response.data.logIn.token;
}

async function emailOf(user: TestUser): Promise<string> {
  const [row] = await suite.app.sql<{ email: string }>(`SELECT email FROM users WHERE id = $1`, [
    user.id,
  ]);
  return row.email;
}

async function pendingSecret(user: TestUser): Promise<string | null> {
  const [row] = await suite.app.sql<{ pending: string | null }>(
    `SELECT two_factor_pending_secret AS pending FROM users WHERE id = $1`,
    [user.id],
  );
  return row.pending;
}

describe('account security is a sequence: a password change or reset ends what it must', () => {
  it('takeover: an e-mail change asked with a stolen session cannot be confirmed after the owner resets the password', async () => {
    const owner = await buildUser(suite.app);
    const thief = await logIn(owner.email, owner.password);
    const thiefAddress = freshEmail('thief');
    const { confirm } = await emailChangeTokens(suite, owner, thiefAddress, thief);

    const reset = await resetToken(suite, owner.email);
    expect((await suite.app.gql(RESET, { t: reset, p: NEW_PASSWORD })).data).toEqual({
      resetPassword: true,
    });

    const late = await suite.app.gql(CONFIRM_CHANGE, { t: confirm });
    expect(errorCode(late)).toBe('BAD_USER_INPUT');
    expect(late.errors![0].extensions!.field).toBe('token');
    expect(await emailOf(owner)).toBe(owner.email);
    expect(errorCode(await suite.app.gql(`{ mySessions { id } }`, {}, thief))).toBe(
      'UNAUTHENTICATED',
    );
    await logIn(owner.email, NEW_PASSWORD);
  });

  it('a reset link and an e-mail change issued before changePassword no longer work after it', async () => {
    const user = await buildUser(suite.app);
    const reset = await resetToken(suite, user.email);
    const { confirm } = await emailChangeTokens(suite, user, freshEmail('moved'), user.token);
    expect(
      (await suite.app.gql(CHANGE_PASSWORD, { c: STRONG_PASSWORD, n: NEW_PASSWORD }, user.token))
        .data,
    ).toEqual({ changePassword: true });

    expect(
      errorCode(await suite.app.gql(RESET, { t: reset, p: 'Harbor-Pelican-Saffron-82?' })),
    ).toBe('BAD_USER_INPUT');
    expect(errorCode(await suite.app.gql(CONFIRM_CHANGE, { t: confirm }, user.token))).toBe(
      'BAD_USER_INPUT',
    );
    expect(await emailOf(user)).toBe(user.email);
    // The caller's own session stays, with the new password in force.
    expect((await suite.app.gql(`{ me { id } }`, {}, user.token)).data).toEqual({
      me: { id: user.id },
    });
    await logIn(user.email, NEW_PASSWORD);
    const [links] = await suite.app.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM account_tokens
        WHERE user_id = $1 AND purpose IN ('PASSWORD_RESET', 'EMAIL_CHANGE')`,
      [user.id],
    );
    expect(links.n).toBe(0);
  });

  it('a reset link issued before a confirmed e-mail change no longer works after it', async () => {
    const user = await buildUser(suite.app);
    const reset = await resetToken(suite, user.email);
    const moved = freshEmail('moved');
    const { confirm } = await emailChangeTokens(suite, user, moved, user.token);
    expect((await suite.app.gql(CONFIRM_CHANGE, { t: confirm }, user.token)).data).toEqual({
      confirmEmailChange: { email: moved },
    });
    expect(errorCode(await suite.app.gql(RESET, { t: reset, p: NEW_PASSWORD }))).toBe(
      'BAD_USER_INPUT',
    );
    await logIn(moved, STRONG_PASSWORD);
  });

  it.each([
    ['changePassword', 'change'],
    ['resetPassword', 'reset'],
  ] as const)(
    'a two-factor setup begun, then %s: the half-enrolled authenticator is discarded',
    async (_name, how) => {
      const user = await buildUser(suite.app);
      const begun = await suite.app.gql<{ beginTwoFactorSetup: { secret: string } }>(
        BEGIN_SETUP,
        {},
        user.token,
      );
      const secret = begun.data!.beginTwoFactorSetup.secret;
      let token = user.token;
      if (how === 'change') {
        await suite.app.gql(CHANGE_PASSWORD, { c: STRONG_PASSWORD, n: NEW_PASSWORD }, token);
      } else {
        await suite.app.gql(RESET, { t: await resetToken(suite, user.email), p: NEW_PASSWORD });
        token = await logIn(user.email, NEW_PASSWORD);
      }
      expect(await pendingSecret(user)).toBeNull();
      await awayFromStepBoundary();
      const late = await suite.app.gql(CONFIRM_SETUP, { code: await totpCode(secret) }, token);
      expect(errorCode(late)).toBe('CONFLICT');
      const [row] = await suite.app.sql<{ on: Date | null }>(
        `SELECT two_factor_enabled_at AS on FROM users WHERE id = $1`,
        [user.id],
      );
      expect(row.on).toBeNull();
    },
  );

  it('a reset and an e-mail change confirmed at the same moment end as one order of the two', async () => {
    for (let round = 0; round < 4; round += 1) {
      const user = await buildUser(suite.app);
      const moved = freshEmail('race');
      const { confirm } = await emailChangeTokens(suite, user, moved, user.token);
      const reset = await resetToken(suite, user.email);
      const [resetAnswer, confirmAnswer] = await Promise.all([
        suite.app.gql(RESET, { t: reset, p: NEW_PASSWORD }),
        suite.app.gql(CONFIRM_CHANGE, { t: confirm }),
      ]);
      const codes = [errorCode(resetAnswer), errorCode(confirmAnswer)];
      // Exactly one wins; the other's link died with it.
      expect(codes.filter((c) => c === undefined)).toHaveLength(1);
      expect(codes.filter((c) => c !== undefined)).toEqual(['BAD_USER_INPUT']);
      if (errorCode(resetAnswer) === undefined) {
        expect(await emailOf(user)).toBe(user.email);
        await logIn(user.email, NEW_PASSWORD);
      } else {
        expect(await emailOf(user)).toBe(moved);
        await logIn(moved, STRONG_PASSWORD);
      }
    }
  });

  it('a stolen session racing the owner’s reset keeps nothing it asked for: no e-mail change link, no password of its own', async () => {
    const THIEF_PASSWORD = 'Harbor-Pelican-Saffron-82?';
    for (let round = 0; round < 4; round += 1) {
      const owner = await buildUser(suite.app);
      const thief = await logIn(owner.email, owner.password);
      const reset = await resetToken(suite, owner.email);
      const thiefAddress = freshEmail('thief');
      const [, asked, changed] = await Promise.all([
        suite.app.gql(RESET, { t: reset, p: NEW_PASSWORD }),
        suite.app.gql(
          `mutation ($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) }`,
          { e: thiefAddress, p: owner.password },
          thief,
        ),
        suite.app.gql(CHANGE_PASSWORD, { c: owner.password, n: THIEF_PASSWORD }, thief),
      ]);
      expect([errorCode(asked), errorCode(changed)]).not.toContain('INTERNAL_SERVER_ERROR');
      // Whatever the order, the reset is the last word: its password signs in, the thief's
      // session is over and no link the thief asked for is alive.
      await logIn(owner.email, NEW_PASSWORD);
      expect(errorCode(await suite.app.gql(`{ mySessions { id } }`, {}, thief))).toBe(
        'UNAUTHENTICATED',
      );
      const [links] = await suite.app.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM account_tokens WHERE user_id = $1 AND purpose = 'EMAIL_CHANGE'`,
        [owner.id],
      );
      expect(links.n).toBe(0);
    }
  });
});

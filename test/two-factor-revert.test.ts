import { randomBytes } from 'node:crypto';
import { addMember, buildTeam } from './factories/team.factory';
import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { freshEmail } from './factories/invitation.factory';
import { CHANGED_SUBJECT, emailChangeTokens, mailCount, resetToken } from './support/account-links';
import { tokenIn, waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import { errorCode, type GraphqlResponse } from './support/test-app';
import { enableTwoFactor } from './support/two-factor';

const LOG_IN = `mutation ($e: String!, $p: String!, $c: String) { logIn(email: $e, password: $p, code: $c) { token } }`;
const CONFIRM_IDENTITY = `mutation ($p: String!) { confirmIdentity(password: $p) }`;
const BEGIN_SETUP = `mutation { beginTwoFactorSetup { secret } }`;
const CHANGE_PASSWORD = `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`;
const RESET = `mutation ($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }`;
const DISABLE = `mutation ($p: String!, $c: String!) { disableTwoFactor(password: $p, code: $c) }`;
const REVERT = `mutation ($t: String!) { revertTwoFactorSetup(token: $t) }`;
const CONFIRM_CHANGE = `mutation ($t: String!) { confirmEmailChange(token: $t) { email } }`;
const REVERT_EMAIL = `mutation ($t: String!) { revertEmailChange(token: $t) }`;
const SET_REQUIRED = `mutation ($t: ID!) { setTwoFactorRequired(teamId: $t, required: true) { id } }`;
const TEAM = `query ($id: ID!) { team(id: $id) { id } }`;
const ENABLED_SUBJECT = 'Two-factor sign-in was turned on';
const DISABLED_SUBJECT = 'Two-factor sign-in was turned off';
const THIEF_PASSWORD = 'Harbor-Pelican-Saffron-82?';
const OWNER_PASSWORD = 'Otter-Glacier-Violet-93#';

// No session cache: the stolen session's age, set below, is read as it is stored.
const suite = useMailingApp({ SESSION_CACHE_TTL: '0' });

const logIn = (email: string, password: string, code?: string) =>
  suite.app.gql<{ logIn: { token: string } }>(LOG_IN, { e: email, p: password, c: code ?? null });

async function signedIn(email: string, password: string): Promise<string> {
  const response = await logIn(email, password);
  if (!response.data?.logIn) throw new Error(JSON.stringify(response.errors));
  return response.data.logIn.token;
}

/** The token of the link in the `count`-th "two-factor turned on" notice to `user`. */
async function undoLink(user: Pick<TestUser, 'email'>, count = 1): Promise<string> {
  const notice = await waitForMail(suite.inbox, user.email, ENABLED_SUBJECT, count);
  expect(notice.decoded).toContain('/account/revert-two-factor#token=');
  return tokenIn(notice);
}

/** What the undo acts on, as stored: the factor, its recovery codes, live sessions and links. */
async function securityState(user: Pick<TestUser, 'id'>) {
  const [row] = await suite.app.sql<{
    enabled: boolean;
    codes: number;
    sessions: number;
    links: number;
  }>(
    `SELECT u.two_factor_enabled_at IS NOT NULL AS enabled,
            (SELECT count(*)::int FROM recovery_codes WHERE user_id = u.id) AS codes,
            (SELECT count(*)::int FROM sessions WHERE user_id = u.id AND revoked_at IS NULL) AS sessions,
            (SELECT count(*)::int FROM account_tokens WHERE user_id = u.id AND used_at IS NULL) AS links
       FROM users u WHERE u.id = $1`,
    [user.id],
  );
  return row;
}

function expectBadLink(response: GraphqlResponse): void {
  expect(errorCode(response)).toBe('BAD_USER_INPUT');
  expect(response.errors![0].extensions!.field).toBe('token');
}

describe('revertTwoFactorSetup: the "two-factor turned on" notice undoes the enrolment', () => {
  it('lock-out: a stolen session and the password enrol a factor; the owner’s link turns it off, ends the thief’s sessions, and a reset signs the owner in with the password alone', async () => {
    const owner = await buildUser(suite.app);
    // A session of the owner's that someone else now holds, signed in an hour ago.
    const stolen = await signedIn(owner.email, owner.password);
    await suite.app.sql(
      `UPDATE sessions SET authenticated_at = now() - interval '1 hour'
        WHERE user_id = $1 AND id <> (SELECT id FROM sessions WHERE user_id = $1 ORDER BY created_at LIMIT 1)`,
      [owner.id],
    );
    expect(errorCode(await suite.app.gql(BEGIN_SETUP, {}, stolen))).toBe('FORBIDDEN');
    expect((await suite.app.gql(CONFIRM_IDENTITY, { p: owner.password }, stolen)).data).toEqual({
      confirmIdentity: true,
    });
    await enableTwoFactor(suite.app, { token: stolen });
    // The thief also changes the password: that does not end the owner's way back.
    expect(
      (await suite.app.gql(CHANGE_PASSWORD, { c: owner.password, n: THIEF_PASSWORD }, stolen)).data,
    ).toEqual({ changePassword: true });

    const link = await undoLink(owner);
    expect((await suite.app.gql(REVERT, { t: link })).data).toEqual({
      revertTwoFactorSetup: true,
    });
    // The thief's factor and recovery codes are gone, with every session.
    expect(await securityState(owner)).toMatchObject({ enabled: false, codes: 0, sessions: 0 });
    expect(errorCode(await suite.app.gql(`{ mySessions { id } }`, {}, stolen))).toBe(
      'UNAUTHENTICATED',
    );
    await waitForMail(suite.inbox, owner.email, DISABLED_SUBJECT);

    const reset = await resetToken(suite, owner.email);
    expect((await suite.app.gql(RESET, { t: reset, p: OWNER_PASSWORD })).data).toEqual({
      resetPassword: true,
    });
    const back = await signedIn(owner.email, OWNER_PASSWORD);
    expect((await suite.app.gql(`{ me { twoFactorEnabled } }`, {}, back)).data).toEqual({
      me: { twoFactorEnabled: false },
    });
    expect(errorCode(await logIn(owner.email, THIEF_PASSWORD))).toBe('UNAUTHENTICATED');
  });

  it('moved to the thief’s address and enrolled again: the new enrolment’s link also reaches the address that can still revert the move', async () => {
    const owner = await buildUser(suite.app);
    const stolen = await signedIn(owner.email, owner.password);
    const first = await enableTwoFactor(suite.app, { token: stolen });
    const thiefAddress = freshEmail('thief');
    const { confirm } = await emailChangeTokens(suite, owner, thiefAddress, stolen);
    await suite.app.gql(CONFIRM_CHANGE, { t: confirm }, stolen);
    const revertEmail = tokenIn(await waitForMail(suite.inbox, owner.email, CHANGED_SUBJECT));
    // Off and on again: the first enrolment's link, in the owner's inbox, dies …
    expect(
      (await suite.app.gql(DISABLE, { p: owner.password, c: first.recoveryCodes[0] }, stolen)).data,
    ).toEqual({ disableTwoFactor: true });
    expectBadLink(await suite.app.gql(REVERT, { t: await undoLink(owner) }));
    await enableTwoFactor(suite.app, { token: stolen });
    await undoLink({ email: thiefAddress });
    // … and the new one comes to the owner's inbox as well.
    const ownersLink = await undoLink(owner, 2);

    expect((await suite.app.gql(REVERT_EMAIL, { t: revertEmail })).data).toEqual({
      revertEmailChange: true,
    });
    expect((await suite.app.gql(REVERT, { t: ownersLink })).data).toEqual({
      revertTwoFactorSetup: true,
    });
    const reset = await resetToken(suite, owner.email);
    await suite.app.gql(RESET, { t: reset, p: OWNER_PASSWORD });
    expect((await logIn(owner.email, OWNER_PASSWORD)).errors).toBeUndefined();
  });

  it('a password reset keeps the link working: the owner locked out after the reset gets back in through it', async () => {
    const owner = await buildUser(suite.app);
    await enableTwoFactor(suite.app, owner);
    const reset = await resetToken(suite, owner.email);
    await suite.app.gql(RESET, { t: reset, p: OWNER_PASSWORD });
    expect(errorCode(await logIn(owner.email, OWNER_PASSWORD))).toBe('TWO_FACTOR_REQUIRED');

    expect((await suite.app.gql(REVERT, { t: await undoLink(owner) })).data).toEqual({
      revertTwoFactorSetup: true,
    });
    expect((await logIn(owner.email, OWNER_PASSWORD)).errors).toBeUndefined();
  });

  it('a link is used once', async () => {
    const owner = await buildUser(suite.app);
    await enableTwoFactor(suite.app, owner);
    const link = await undoLink(owner);
    await suite.app.gql(REVERT, { t: link });
    const again = await signedIn(owner.email, owner.password);
    await enableTwoFactor(suite.app, { token: again });
    await undoLink(owner, 2);
    const before = await securityState(owner);

    expectBadLink(await suite.app.gql(REVERT, { t: link }));
    expect(await securityState(owner)).toEqual(before);
  });

  it('undoes only the enrolment it was issued for: after two-factor is turned off and on again, the older link is dead', async () => {
    const owner = await buildUser(suite.app);
    const { recoveryCodes } = await enableTwoFactor(suite.app, owner);
    const older = await undoLink(owner);
    const disabled = await suite.app.gql(
      DISABLE,
      { p: STRONG_PASSWORD, c: recoveryCodes[0] },
      owner.token,
    );
    expect(disabled.data).toEqual({ disableTwoFactor: true });
    // Turning it off ends the link at once, before any new enrolment.
    expectBadLink(await suite.app.gql(REVERT, { t: older }));
    await enableTwoFactor(suite.app, owner);
    const newer = await undoLink(owner, 2);
    const before = await securityState(owner);

    expectBadLink(await suite.app.gql(REVERT, { t: older }));
    expect(await securityState(owner)).toEqual(before);
    expect((await suite.app.gql(REVERT, { t: newer })).data).toEqual({
      revertTwoFactorSetup: true,
    });
  });

  it('a bad, expired or other kind of token is BAD_USER_INPUT on token and changes nothing', async () => {
    const owner = await buildUser(suite.app);
    await enableTwoFactor(suite.app, owner);
    const link = await undoLink(owner);
    const resetLink = await resetToken(suite, owner.email);
    const before = await securityState(owner);
    expect(before).toMatchObject({ enabled: true, codes: 10, sessions: 1 });

    for (const bad of ['', 'x'.repeat(500), randomBytes(32).toString('base64url'), resetLink]) {
      expectBadLink(await suite.app.gql(REVERT, { t: bad }));
    }
    await suite.app.sql(
      `UPDATE account_tokens SET expires_at = now() - interval '1 second'
        WHERE user_id = $1 AND purpose = 'TWO_FACTOR_REVERT'`,
      [owner.id],
    );
    expectBadLink(await suite.app.gql(REVERT, { t: link }));
    expect(await securityState(owner)).toEqual(before);
    expect(mailCount(suite, owner.email, DISABLED_SUBJECT)).toBe(0);
  });

  it('works while a team requires two-factor; the member is then held out until they enrol again', async () => {
    const owner = await buildUser(suite.app);
    const team = await buildTeam(suite.app, owner, 'Vault');
    await enableTwoFactor(suite.app, owner);
    const member = await addMember(suite.app, team, 'MEMBER');
    await enableTwoFactor(suite.app, member);
    expect((await suite.app.gql(SET_REQUIRED, { t: team.id }, owner.token)).errors).toBeUndefined();

    expect((await suite.app.gql(REVERT, { t: await undoLink(member) })).data).toEqual({
      revertTwoFactorSetup: true,
    });
    const back = await signedIn(member.email, member.password);
    const held = await suite.app.gql(TEAM, { id: team.id }, back);
    expect(errorCode(held)).toBe('FORBIDDEN');
    expect(held.errors![0].extensions!.reason).toBe('TWO_FACTOR_REQUIRED');
    await enableTwoFactor(suite.app, { token: back });
    expect((await suite.app.gql(TEAM, { id: team.id }, back)).data).toEqual({
      team: { id: team.id },
    });
  });
});

import { freshEmail } from './factories/invitation.factory';
import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import {
  CHANGED_SUBJECT,
  CHANGE_REQUESTED_SUBJECT,
  emailChangeTokens,
  mailCount,
  resetToken,
} from './support/account-links';
import { liveIdle, subscriptionsRunning } from './support/live-gauges';
import { tokenIn, waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import { errorCode } from './support/test-app';
import { awayFromStepBoundary, enableTwoFactor, totpCode } from './support/two-factor';
import {
  ACCOUNT_EVENTS,
  connectLive,
  subscribe,
  type Feed,
  type LiveClient,
} from './support/ws-client';

const LOG_IN = `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`;
const RESET = `mutation ($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }`;
const CONFIRM_CHANGE = `mutation ($t: String!) { confirmEmailChange(token: $t) { email } }`;
const REVERT = `mutation ($t: String!) { revertEmailChange(token: $t) }`;
const NEW_PASSWORD = 'Otter-Glacier-Violet-93#';

const suite = useMailingApp({ PUBLIC_URL: 'https://teams.example.test' });
const clients: LiveClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await liveIdle();
});

/** The user's account events, as their own session receives them. */
async function accountEvents(token: string): Promise<Feed> {
  const live = await connectLive(suite.app, token);
  clients.push(live);
  const feed = subscribe(live, ACCOUNT_EVENTS);
  await subscriptionsRunning(1);
  return feed;
}

const eventArrived = (feed: Feed, type: string) =>
  feed.untilValue<{ type: string }>('accountEvents', (e) => e.type === type, type);

async function logIn(email: string, password: string) {
  return suite.app.gql<{ logIn: { token: string } }>(LOG_IN, { e: email, p: password });
}

async function sessionsLeft(user: TestUser): Promise<number> {
  const [row] = await suite.app.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`,
    [user.id],
  );
  return row.n;
}

async function stored(user: TestUser): Promise<{ email: string; verified: boolean }> {
  const [row] = await suite.app.sql<{ email: string; verified: boolean }>(
    `SELECT email, email_verified_at IS NOT NULL AS verified FROM users WHERE id = $1`,
    [user.id],
  );
  return row;
}

/** Exactly one message to `to` whose subject holds `subject` (waiting for it first). */
async function exactlyOneMail(to: string, subject: string) {
  const mail = await waitForMail(suite.inbox, to, subject);
  expect(mailCount(suite, to, subject)).toBe(1);
  return mail;
}

describe('security notices', () => {
  it('each event e-mails one notice to the account’s address and pushes its AccountEvent', async () => {
    const user = await buildUser(suite.app);
    const feed = await accountEvents(user.token);

    const changed = await suite.app.gql(
      `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`,
      { c: STRONG_PASSWORD, n: NEW_PASSWORD },
      user.token,
    );
    expect(changed.errors).toBeUndefined();
    await eventArrived(feed, 'PASSWORD_CHANGED');
    await exactlyOneMail(user.email, 'password was changed');

    const { secret } = await enableTwoFactor(suite.app, user);
    await eventArrived(feed, 'TWO_FACTOR_ENABLED');
    await exactlyOneMail(user.email, 'Two-factor sign-in was turned on');

    await awayFromStepBoundary();
    const regenerated = await suite.app.gql<{ regenerateRecoveryCodes: string[] }>(
      `mutation ($c: String!) { regenerateRecoveryCodes(code: $c) }`,
      { c: await totpCode(secret, 1) },
      user.token,
    );
    expect(regenerated.errors).toBeUndefined();
    await eventArrived(feed, 'RECOVERY_CODES_REGENERATED');
    await exactlyOneMail(user.email, 'New recovery codes');

    const disabled = await suite.app.gql(
      `mutation ($p: String!, $c: String!) { disableTwoFactor(password: $p, code: $c) }`,
      { p: NEW_PASSWORD, c: regenerated.data!.regenerateRecoveryCodes[0] },
      user.token,
    );
    expect(disabled.errors).toBeUndefined();
    await eventArrived(feed, 'TWO_FACTOR_DISABLED');
    await exactlyOneMail(user.email, 'Two-factor sign-in was turned off');

    const moved = freshEmail('moved');
    const { confirm } = await emailChangeTokens(
      suite,
      { email: user.email, password: NEW_PASSWORD },
      moved,
      user.token,
    );
    await eventArrived(feed, 'EMAIL_CHANGE_REQUESTED');
    const requested = await exactlyOneMail(user.email, CHANGE_REQUESTED_SUBJECT);
    expect(requested.decoded).toContain('https://teams.example.test/account/revert-email#token=');
    expect(requested.decoded).not.toContain(moved);

    expect((await suite.app.gql(CONFIRM_CHANGE, { t: confirm }, user.token)).data).toEqual({
      confirmEmailChange: { email: moved },
    });
    await eventArrived(feed, 'EMAIL_CHANGED');
    const announced = await exactlyOneMail(user.email, CHANGED_SUBJECT);
    expect(announced.decoded).toContain('/account/revert-email#token=');
    // Nothing of this went to the new address but its confirmation link.
    expect(suite.inbox.messages.filter((m) => m.to.includes(moved))).toHaveLength(1);
  });

  it('a password reset e-mails its notice once; the account deletion its own', async () => {
    const user = await buildUser(suite.app);
    await suite.app.gql(RESET, { t: await resetToken(suite, user.email), p: NEW_PASSWORD });
    await exactlyOneMail(user.email, 'password was reset');
    const token = (await logIn(user.email, NEW_PASSWORD)).data!.logIn.token;
    const deleted = await suite.app.gql(
      `mutation ($p: String!) { deleteAccount(password: $p) }`,
      { p: NEW_PASSWORD },
      token,
    );
    expect(deleted.errors).toBeUndefined();
    await exactlyOneMail(user.email, 'account was deleted');
  });
});

describe('revertEmailChange: the old address’s way back', () => {
  it('cancels a pending change: its confirmation link dies and every session ends', async () => {
    const user = await buildUser(suite.app);
    const { confirm, revert } = await emailChangeTokens(
      suite,
      user,
      freshEmail('pending'),
      user.token,
    );
    expect((await suite.app.gql(REVERT, { t: revert })).data).toEqual({ revertEmailChange: true });
    expect(await sessionsLeft(user)).toBe(0);
    expect(errorCode(await suite.app.gql(CONFIRM_CHANGE, { t: confirm }))).toBe('BAD_USER_INPUT');
    expect((await stored(user)).email).toBe(user.email);
    // Single use.
    expect(errorCode(await suite.app.gql(REVERT, { t: revert }))).toBe('BAD_USER_INPUT');
  });

  it('undoes a confirmed change: the old address is back, verified, and every session and link ends', async () => {
    const user = await buildUser(suite.app);
    const thief = (await logIn(user.email, user.password)).data!.logIn.token;
    const moved = freshEmail('thief');
    const { confirm } = await emailChangeTokens(suite, user, moved, thief);
    await suite.app.gql(CONFIRM_CHANGE, { t: confirm }, thief);
    const revert = tokenIn(await waitForMail(suite.inbox, user.email, CHANGED_SUBJECT));
    const thiefReset = await resetToken(suite, moved);

    expect((await suite.app.gql(REVERT, { t: revert })).data).toEqual({ revertEmailChange: true });
    expect(await stored(user)).toEqual({ email: user.email, verified: true });
    expect(await sessionsLeft(user)).toBe(0);
    expect(errorCode(await suite.app.gql(RESET, { t: thiefReset, p: NEW_PASSWORD }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await logIn(moved, user.password))).toBe('UNAUTHENTICATED');
    expect((await logIn(user.email, user.password)).errors).toBeUndefined();
  });

  it('a later address’s revert link never cuts off an earlier one; using the earliest kills the later ones', async () => {
    const user = await buildUser(suite.app);
    const second = freshEmail('second');
    const first = await emailChangeTokens(suite, user, second, user.token);
    await suite.app.gql(CONFIRM_CHANGE, { t: first.confirm }, user.token);
    const third = freshEmail('third');
    const later = await emailChangeTokens(
      suite,
      { email: second, password: user.password },
      third,
      user.token,
    );
    await suite.app.gql(CONFIRM_CHANGE, { t: later.confirm }, user.token);

    // Whoever holds the second address goes back to it first …
    expect((await suite.app.gql(REVERT, { t: later.revert })).data).toEqual({
      revertEmailChange: true,
    });
    expect((await stored(user)).email).toBe(second);
    // … and the first address still takes the account back.
    expect((await suite.app.gql(REVERT, { t: first.revert })).data).toEqual({
      revertEmailChange: true,
    });
    expect((await stored(user)).email).toBe(user.email);
    const secondChanged = tokenIn(await waitForMail(suite.inbox, second, CHANGED_SUBJECT));
    expect(errorCode(await suite.app.gql(REVERT, { t: secondChanged }))).toBe('BAD_USER_INPUT');
    expect((await stored(user)).email).toBe(user.email);
  });

  it('is CONFLICT when another account took the old address meanwhile, and changes nothing', async () => {
    const user = await buildUser(suite.app);
    const moved = freshEmail('moved');
    const { confirm, revert } = await emailChangeTokens(suite, user, moved, user.token);
    await suite.app.gql(CONFIRM_CHANGE, { t: confirm }, user.token);
    await buildUser(suite.app, { email: user.email });
    expect(errorCode(await suite.app.gql(REVERT, { t: revert }))).toBe('CONFLICT');
    expect((await stored(user)).email).toBe(moved);
    expect(await sessionsLeft(user)).toBe(1);
  });
});

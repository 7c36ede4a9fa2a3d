import { startServedWebApp, type ServedWebApp } from './support/served-web-app';
import type { Page } from 'playwright-core';
import { buildTeam, addMember } from './factories/team.factory';
import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { CHANGED_SUBJECT, CHANGE_SUBJECT, RESET_SUBJECT } from './support/account-links';
import {
  CHROMIUM,
  hasChromium,
  launchSharedBrowser,
  type BrowserProfile,
  type SharedBrowser,
} from './support/browser';
import { countSubscriptionsRunning } from './support/live-gauges';
import { waitForMail } from './support/mail-links';
import { scrollsSideways, seriousAccessibilityViolations } from './support/page-audit';
import type { ReceivedMail, SmtpInbox } from './support/smtp-inbox';
import { awayFromStepBoundary, enableTwoFactor, totpCode } from './support/two-factor';
import type { TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';

/**
 * The account side of the web page, journey by journey, in Debian's Chromium: the built page
 * served by the real server under its CSP, real e-mail to a local SMTP sink (every link is
 * opened from the message that carried it), and controls found as a person finds them — by
 * role, label and text. Every page visited is audited: no console errors or CSP reports, no
 * serious or critical axe violations; the key pages again at 390 × 844, without sideways scroll.
 */
if (!hasChromium)
  console.log(
    `journeys-account.test: no Chromium at ${CHROMIUM}; the browser journeys are skipped`,
  );
const describeBrowser = hasChromium ? describe : describe.skip;

const SESSION_ENDED = 'Your session was ended. Log in again.';
const VERIFY_SUBJECT = 'Confirm your e-mail address for teamgraph';
const TWO_FACTOR_ON_SUBJECT = 'Two-factor sign-in was turned on';
const NEW_PASSWORD = 'Harbor-Thistle-Copper-58?';
const JOURNEY_MS = 90_000;

/** The first `…#token=…` link of a message, whole. */
function linkIn(mail: ReceivedMail): string {
  const match = /https?:\/\/[^\s"<>]+#token=[A-Za-z0-9_-]+/.exec(mail.decoded);
  if (!match) throw new Error(`no link in:\n${mail.decoded}`);
  return match[0];
}

describeBrowser('account journeys in Chromium', () => {
  let served: ServedWebApp;
  let app: TestApp;
  let inbox: SmtpInbox;
  let origin: string;
  let browser: SharedBrowser;
  let profiles: BrowserProfile[] = [];

  beforeAll(async () => {
    // The recent-authentication journey ages a session in the database.
    [served, browser] = await Promise.all([
      startServedWebApp({ SESSION_CACHE_TTL: '0' }),
      launchSharedBrowser(),
    ]);
    ({ app, inbox, origin } = served);
  }, 120_000);

  afterEach(async () => {
    for (const profile of profiles) await profile.close();
    profiles = [];
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  async function newProfile(): Promise<BrowserProfile> {
    const profile = await browser.profile(origin);
    profiles.push(profile);
    return profile;
  }

  /** A page of `profile`, signed in with `token` as the page itself stores it, at `path`. */
  async function openSignedIn(profile: BrowserProfile, token: string, path: string) {
    const page = await profile.newPage();
    await page.goto(`${origin}/login`);
    await page.evaluate(`localStorage.setItem('teamgraph.session', ${JSON.stringify(token)})`);
    await page.goto(`${origin}${path}`);
    return page;
  }

  /** No console error or CSP report so far, no serious axe finding; at 390 px too when `narrow`. */
  async function audit(page: Page, profile: BrowserProfile, narrow = false): Promise<void> {
    expect(profile.problems).toEqual([]);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    if (!narrow) return;
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await scrollsSideways(page)).toBe(false);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1100, height: 760 });
  }

  /** Fills and sends the log-in form (the page must show it). */
  async function logIn(page: Page, email: string, password: string): Promise<void> {
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
  }

  const mailsTo = (address: string) => inbox.messages.filter((m) => m.to.includes(address)).length;

  it(
    'signs up, then verifies the address from the e-mailed link opened signed out',
    async () => {
      const email = `signup-${Date.now()}@example.com`;
      const profile = await newProfile();
      const page = await profile.newPage();
      await page.goto(`${origin}/signup`);
      await page.getByRole('heading', { name: 'Create your account' }).waitFor();
      await audit(page, profile, true);
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Your name').fill('Vera Verified');
      await page.getByLabel('Password', { exact: true }).fill(STRONG_PASSWORD);
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByRole('heading', { name: 'My teams' }).waitFor();
      await page.getByRole('link', { name: 'Account' }).click();
      await page.getByText('not verified yet').waitFor();
      await audit(page, profile, true);

      const link = linkIn(await waitForMail(inbox, email, VERIFY_SUBJECT));
      expect(link.startsWith(`${origin}/account/verify-email#token=`)).toBe(true);
      const elsewhere = await newProfile();
      const linkPage = await elsewhere.newPage();
      await linkPage.goto(link);
      await linkPage.getByText('Your e-mail address is verified.').waitFor();
      // Signed out, yet not sent away; the token is gone from the address bar.
      expect(linkPage.url()).toBe(`${origin}/account/verify-email`);
      await linkPage.getByRole('link', { name: 'Log in' }).waitFor();
      await audit(linkPage, elsewhere, true);

      // Used once: the same link now says so, with a way on.
      const again = await elsewhere.newPage();
      await again.goto(link);
      await again.getByText(/This verification link is not valid any more/).waitFor();
      await again.getByRole('link', { name: 'Log in' }).click();
      await again.getByRole('heading', { name: 'Log in' }).waitFor();
      await audit(again, elsewhere);

      // The signed-in tab shows it once read again.
      await page.reload();
      await page.getByText('verified', { exact: true }).waitFor();
      expect(await page.getByText('not verified yet').count()).toBe(0);
    },
    JOURNEY_MS,
  );

  it(
    'resets a forgotten password from the log-in page and logs in with the new one',
    async () => {
      const user = await buildUser(app);
      const profile = await newProfile();
      const page = await profile.newPage();
      await page.goto(`${origin}/login`);
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
      await audit(page, profile, true);
      const before = mailsTo(user.email);
      await page.getByLabel('E-mail').fill(user.email);
      await page.getByRole('button', { name: 'Send the link' }).click();
      await page.getByText(`If an account uses ${user.email}`).waitFor();
      await audit(page, profile);

      const mail = await waitForMail(inbox, user.email, RESET_SUBJECT);
      expect(mailsTo(user.email)).toBeGreaterThan(before);
      await page.goto(linkIn(mail));
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      expect(page.url()).toBe(`${origin}/account/reset-password`);
      await audit(page, profile, true);
      // The strength rule is said up front, and a weak password is refused with the reason.
      await page.getByText(/At least 10 characters/).waitFor();
      await page.getByLabel('New password').fill('password123');
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByRole('alert').waitFor();
      await page.getByLabel('New password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByText(/Your password was changed and every session was ended/).waitFor();
      await audit(page, profile);

      await page.getByRole('link', { name: 'Log in' }).click();
      await logIn(page, user.email, STRONG_PASSWORD);
      await page.getByRole('alert').waitFor();
      await logIn(page, user.email, NEW_PASSWORD);
      await page.getByRole('heading', { name: 'My teams' }).waitFor();
      await audit(page, profile);
      // The link worked once: used again, it says so.
      await page.goto(linkIn(mail));
      await page.getByLabel('New password').fill(`${NEW_PASSWORD}x`);
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByText(/This reset link is not valid any more/).waitFor();
      await page.getByRole('link', { name: 'Ask for a new link' }).waitFor();
      await audit(page, profile);
    },
    JOURNEY_MS,
  );

  it(
    'changes the password on the account page',
    async () => {
      const user = await buildUser(app);
      const profile = await newProfile();
      const page = await openSignedIn(profile, user.token, '/teams');
      await page.getByRole('link', { name: 'Account' }).click();
      await page.getByRole('heading', { name: 'Your account', exact: true }).waitFor();
      await audit(page, profile, true);
      await page.getByLabel('Current password').fill('not my password at all');
      await page.getByLabel('New password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('The password is wrong.').waitFor();
      await page.getByLabel('Current password').fill(user.password);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Password changed. Your other sessions were ended.').waitFor();
      await audit(page, profile);
      const withNew = await app.gql(
        `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
        { e: user.email, p: NEW_PASSWORD },
      );
      expect(withNew.errors).toBeUndefined();
    },
    JOURNEY_MS,
  );

  it(
    'changes the e-mail address, confirms it from the new inbox, and undoes it from the old one',
    async () => {
      const user = await buildUser(app);
      const newEmail = `moved-${Date.now()}@example.com`;
      const profile = await newProfile();
      const page = await openSignedIn(profile, user.token, '/account');
      await page.getByLabel('New e-mail address').fill(newEmail);
      await page.getByLabel('Password', { exact: true }).fill(user.password);
      await page.getByRole('button', { name: 'Change e-mail address' }).click();
      await page.getByText(`We sent a confirmation link to ${newEmail}`).waitFor();
      await audit(page, profile);

      const confirmLink = linkIn(await waitForMail(inbox, newEmail, CHANGE_SUBJECT));
      const confirmPage = await profile.newPage();
      await confirmPage.goto(confirmLink);
      await confirmPage.getByText(`Your e-mail address is now ${newEmail}`).waitFor();
      expect(confirmPage.url()).toBe(`${origin}/account/confirm-email`);
      await audit(confirmPage, profile, true);
      await confirmPage.close();
      await page.reload();
      await page.getByText(newEmail, { exact: true }).waitFor();

      // The old address's notice carries the way back; opened signed out, elsewhere.
      const revertLink = linkIn(await waitForMail(inbox, user.email, CHANGED_SUBJECT));
      const owner = await newProfile();
      const revertPage = await owner.newPage();
      await revertPage.goto(revertLink);
      await revertPage.getByRole('heading', { name: 'Undo the e-mail change' }).waitFor();
      expect(revertPage.url()).toBe(`${origin}/account/revert-email`);
      await audit(revertPage, owner, true);
      await revertPage
        .getByRole('button', { name: 'Undo the change and end every session' })
        .click();
      await revertPage.getByText(/the account uses this address again/).waitFor();
      await audit(revertPage, owner);

      // Every session ended: the open account page lands on log-in, saying why.
      await page.getByText(SESSION_ENDED).waitFor();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await audit(page, profile);
      const [row] = await app.sql<{ email: string }>(`SELECT email FROM users WHERE id = $1`, [
        user.id,
      ]);
      expect(row.email).toBe(user.email);
    },
    JOURNEY_MS,
  );

  it(
    'turns two-factor on with the QR code, logs in with a code and with a recovery code, renews the codes and turns it off',
    async () => {
      const user = await buildUser(app);
      const profile = await newProfile();
      const page = await openSignedIn(profile, user.token, '/account');
      await page.getByRole('button', { name: 'Turn on two-factor' }).click();
      const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
      await qr.waitFor();
      await waitUntil(
        // (The test's TypeScript has no DOM types: the image is described by what is read.)
        () =>
          qr.evaluate((img) => {
            const image = img as unknown as { complete: boolean; naturalWidth: number };
            return image.complete && image.naturalWidth > 0;
          }),
        'the QR code to be drawn',
      );
      const secret = (await page.locator('code[data-secret]').textContent()) ?? '';
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      await audit(page, profile, true);
      await awayFromStepBoundary();
      await page.getByLabel('Code from the app').fill(await totpCode(secret));
      await page.getByRole('button', { name: 'Confirm and turn on' }).click();
      const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
      await codes.first().waitFor();
      const recoveryCodes = await codes.allTextContents();
      expect(recoveryCodes).toHaveLength(10);
      await audit(page, profile, true);
      await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
      await page.getByText('Two-factor sign-in is on').waitFor();

      // Log out; log in with the password and a code from the app.
      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await logIn(page, user.email, user.password);
      const codeField = page.getByLabel('Code from your authenticator app');
      await codeField.waitFor();
      await audit(page, profile, true);
      // The step after the one just used: accepted (±1 step), and not spent yet.
      await codeField.fill(await totpCode(secret, 1));
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await page.getByRole('heading', { name: 'My teams' }).waitFor();

      // And with a recovery code instead.
      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await logIn(page, user.email, user.password);
      await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
      await page.getByLabel('Recovery code').fill(recoveryCodes[0]);
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await page.getByRole('heading', { name: 'My teams' }).waitFor();

      // New recovery codes: the old ones stop working.
      await page.getByRole('link', { name: 'Account' }).click();
      await page.getByRole('button', { name: 'New recovery codes' }).click();
      const renew = page.getByRole('dialog', { name: 'Make new recovery codes' });
      await renew.getByLabel('Code from the app (or a recovery code)').fill(recoveryCodes[1]);
      await audit(page, profile);
      await renew.getByRole('button', { name: 'Make new codes' }).click();
      await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
      const renewed = await codes.allTextContents();
      expect(renewed).toHaveLength(10);
      expect(renewed.filter((code) => recoveryCodes.includes(code))).toEqual([]);
      await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
      const oldCode = await app.gql(
        `mutation ($e: String!, $p: String!, $c: String) { logIn(email: $e, password: $p, code: $c) { token } }`,
        { e: user.email, p: user.password, c: recoveryCodes[2] },
      );
      expect(oldCode.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

      // Turn it off: password and a code, asked in a confirmation.
      await page.getByRole('button', { name: 'Turn off two-factor' }).click();
      const off = page.getByRole('dialog', { name: 'Turn off two-factor sign-in' });
      await off.getByLabel('Your password').fill(user.password);
      await off.getByLabel('Code from the app (or a recovery code)').fill(renewed[0]);
      await off.getByRole('button', { name: 'Turn off two-factor' }).click();
      await page.getByText('Two-factor sign-in is off. Your recovery codes').waitFor();
      await page.getByRole('button', { name: 'Turn on two-factor' }).waitFor();
      await audit(page, profile);

      // The enrolment's undo link died with it: the page says so.
      const undo = linkIn(await waitForMail(inbox, user.email, TWO_FACTOR_ON_SUBJECT));
      const stale = await profile.newPage();
      await stale.goto(undo);
      await stale.getByRole('button', { name: /Turn that two-factor off/ }).click();
      await stale.getByText(/This link is not valid any more/).waitFor();
      await stale.getByRole('link', { name: 'Go to your account' }).waitFor();
      await audit(stale, profile);
    },
    JOURNEY_MS,
  );

  it(
    'undoes a two-factor enrolment from the link of its notice, opened signed out',
    async () => {
      const user = await buildUser(app);
      await enableTwoFactor(app, user);
      const link = linkIn(await waitForMail(inbox, user.email, TWO_FACTOR_ON_SUBJECT));
      expect(link.startsWith(`${origin}/account/revert-two-factor#token=`)).toBe(true);
      const profile = await newProfile();
      const page = await profile.newPage();
      await page.goto(link);
      await page.getByRole('heading', { name: 'Undo the two-factor setup' }).waitFor();
      expect(page.url()).toBe(`${origin}/account/revert-two-factor`);
      await audit(page, profile, true);
      await page.getByRole('button', { name: /Turn that two-factor off/ }).click();
      await page.getByText(/two-factor sign-in is off and every session was ended/).waitFor();
      await page.getByRole('link', { name: 'Reset your password' }).waitFor();
      await audit(page, profile);
      const [row] = await app.sql<{ on: boolean }>(
        `SELECT two_factor_enabled_at IS NOT NULL AS on FROM users WHERE id = $1`,
        [user.id],
      );
      expect(row.on).toBe(false);
    },
    JOURNEY_MS,
  );

  it(
    'ends another session, then every other one: the ended page lands on log-in saying why',
    async () => {
      const user = await buildUser(app);
      // Only the two browsers' sessions, not sign-up's.
      await app.gql(`mutation { logOut }`, {}, user.token);
      const here = await newProfile();
      const there = await newProfile();
      const theirs = await there.newPage();
      await theirs.goto(`${origin}/login`);
      await logIn(theirs, user.email, user.password);
      await theirs.getByRole('heading', { name: 'My teams' }).waitFor();
      await theirs.getByRole('link', { name: 'Account' }).click();
      await theirs.getByRole('heading', { name: 'Your account', exact: true }).waitFor();
      const mine = await here.newPage();
      await mine.goto(`${origin}/account`);
      await logIn(mine, user.email, user.password);
      // Signed out, sent to log in, and brought back to where it was going.
      await mine.waitForURL(`${origin}/account`);

      const list = mine.getByRole('list', { name: 'Your sessions' });
      const others = list.getByRole('listitem').filter({ hasNotText: 'this device' });
      await waitUntil(async () => (await others.count()) === 1, 'the other session to be listed');
      await list.getByText('this device').waitFor();
      await audit(mine, here, true);
      await others.getByRole('button', { name: 'End this session' }).click();
      const ask = mine.getByRole('dialog', { name: 'End this session' });
      await audit(mine, here);
      await ask.getByRole('button', { name: 'End it' }).click();
      await mine.getByText(/The session on .* was ended\./).waitFor();

      await theirs.getByText(SESSION_ENDED).waitFor();
      await theirs.getByRole('heading', { name: 'Log in' }).waitFor();
      await audit(theirs, there, true);
      // A reload is no dead end: still the log-in form, saying why.
      await theirs.reload();
      await theirs.getByText(SESSION_ENDED).waitFor();
      await logIn(theirs, user.email, user.password);
      await theirs.waitForURL(`${origin}/account`);
      await theirs.getByRole('heading', { name: 'Your account', exact: true }).waitFor();
      // This time the other browser watches a team's live page when its session ends.
      await theirs.getByRole('link', { name: 'teamgraph' }).click();
      await theirs.getByLabel('New team name').fill('Watchers');
      await theirs.getByRole('button', { name: 'Create team' }).click();
      await theirs.getByRole('heading', { name: /^Watchers/ }).waitFor();

      // The new sign-in shows up in my list live; then end every other session.
      await waitUntil(async () => (await others.count()) === 1, 'the new session to be listed');
      await mine.getByRole('button', { name: 'End all other sessions' }).click();
      await mine
        .getByRole('dialog', { name: 'End all other sessions' })
        .getByRole('button', { name: 'End them' })
        .click();
      await mine.getByText('1 other session was ended.').waitFor();
      await theirs.getByText(SESSION_ENDED).waitFor();
      expect(await theirs.getByText(/stopped updating/).count()).toBe(0);
      await audit(theirs, there);
      await audit(mine, here);
    },
    JOURNEY_MS,
  );

  it(
    'lands a page holding a revoked token on log-in, saying why',
    async () => {
      const user = await buildUser(app);
      await app.gql(`mutation { logOut }`, {}, user.token);
      const profile = await newProfile();
      const page = await openSignedIn(profile, user.token, '/teams');
      await page.getByText(SESSION_ENDED).waitFor();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await audit(page, profile);
    },
    JOURNEY_MS,
  );

  it(
    'asks for the password when the session is not recent, then does what was asked',
    async () => {
      const user = await buildUser(app);
      await app.sql(
        `UPDATE sessions SET authenticated_at = now() - interval '1 hour' WHERE user_id = $1`,
        [user.id],
      );
      const profile = await newProfile();
      const page = await openSignedIn(profile, user.token, '/account');
      await page.getByRole('button', { name: 'Turn on two-factor' }).click();
      const ask = page.getByRole('dialog', { name: 'Confirm it is you' });
      await ask.waitFor();
      await audit(page, profile, true);
      // Escape cancels, and nothing is done.
      await page.keyboard.press('Escape');
      await page.getByText('Not done: your identity was not confirmed.').waitFor();
      expect(await ask.count()).toBe(0);

      // The keyboard alone: the field has focus; Enter submits.
      await page.getByRole('button', { name: 'Turn on two-factor' }).click();
      await ask.waitFor();
      await page.keyboard.type('not my password at all');
      await page.keyboard.press('Enter');
      await ask.getByText('The password is wrong.').waitFor();
      await ask.getByLabel('Your password').fill(user.password);
      await ask.getByLabel('Your password').press('Enter');
      // Retried once, now that the session is recent: the setup begins.
      await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
      expect(await page.getByRole('dialog').count()).toBe(0);
      await audit(page, profile);
    },
    JOURNEY_MS,
  );

  it(
    'names the team that blocks deleting the account, then deletes it once that team is gone',
    async () => {
      const user = await buildUser(app);
      const team = await buildTeam(app, user, 'Blocking crew');
      await addMember(app, team, 'MEMBER', await buildUser(app));
      const profile = await newProfile();
      const page = await openSignedIn(profile, user.token, '/account');
      const owned = page.getByRole('list', { name: 'Teams you own' });
      await owned.getByText('Blocking crew').waitFor();
      expect(await page.getByRole('button', { name: 'Delete my account' }).isDisabled()).toBe(true);
      await audit(page, profile, true);

      const deleted = await app.gql(
        `mutation ($t: ID!) { deleteTeam(teamId: $t) }`,
        { t: team.id },
        user.token,
      );
      expect(deleted.errors).toBeUndefined();
      await page.reload();
      await page.getByRole('heading', { name: 'Delete your account' }).waitFor();
      expect(await owned.count()).toBe(0);
      await page.getByRole('button', { name: 'Delete my account' }).click();
      const ask = page.getByRole('dialog', { name: 'Delete your account?' });
      await ask.getByText(/every session, on every device/).waitFor();
      await audit(page, profile, true);
      await ask.getByLabel('Your password').fill(user.password);
      await ask.getByRole('button', { name: 'Delete my account for good' }).click();
      await page.getByText('Your account was deleted.', { exact: false }).waitFor();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await audit(page, profile);
      const [row] = await app.sql<{ gone: boolean }>(
        `SELECT deleted_at IS NOT NULL AS gone FROM users WHERE id = $1`,
        [user.id],
      );
      expect(row.gone).toBe(true);
    },
    JOURNEY_MS,
  );

  it(
    'shows a security notice live: a new sign-in elsewhere appears on the open account page',
    async () => {
      const user: TestUser = await buildUser(app);
      const profile = await newProfile();
      const running = await countSubscriptionsRunning();
      const page = await openSignedIn(profile, user.token, '/account');
      await page.getByRole('heading', { name: 'Security notices' }).waitFor();
      // The page's two account feeds (the session's watch and the notices) are listening.
      await waitUntil(
        async () => (await countSubscriptionsRunning()) >= running + 2,
        'the account page to subscribe',
      );
      await page.getByText('Nothing since you opened this page.').waitFor();
      const signedIn = await app.gql(
        `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
        { e: user.email, p: user.password },
      );
      expect(signedIn.errors).toBeUndefined();
      const notices = page.getByRole('list', { name: 'Security notices' });
      await notices.getByText('New sign-in').waitFor({ timeout: 5_000 });
      // …and the sessions list follows it.
      await waitUntil(
        async () =>
          (await page
            .getByRole('list', { name: 'Your sessions' })
            .getByRole('listitem')
            .count()) === 2,
        'the new session to be listed',
      );
      await audit(page, profile, true);
    },
    JOURNEY_MS,
  );
});

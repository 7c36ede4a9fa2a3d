import { startServedWebApp, type ServedWebApp } from './support/served-web-app';
import type { Page } from 'playwright-core';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, markEmailVerified, type TestUser } from './factories/user.factory';
import {
  CHROMIUM,
  hasChromium,
  launchSharedBrowser,
  type BrowserProfile,
  type SharedBrowser,
} from './support/browser';
import { linkIn } from './support/mail-links';
import { scrollsSideways, seriousAccessibilityViolations } from './support/page-audit';
import { screenshotPath } from './support/screenshots';
import type { SmtpInbox } from './support/smtp-inbox';
import type { TestApp } from './support/test-app';
import { enableTwoFactor } from './support/two-factor';
import { waitUntil } from './support/wait-until';

/**
 * The team side of the web page, journey by journey, in Debian's Chromium against the built
 * page served by the real server under its CSP. Each person is a browser context of their own;
 * controls are found as a person finds them (role, label, text); invitation links are opened
 * from the e-mails the SMTP sink received. Every page visited is checked for console errors,
 * CSP reports and serious or critical axe violations; the team pages are visited again at
 * 390 × 844.
 */
if (!hasChromium)
  console.log(`journeys-team.test: no Chromium at ${CHROMIUM}; the team journeys are skipped`);
const describeBrowser = hasChromium ? describe : describe.skip;

const PHONE = { width: 390, height: 844 };

// A journey is many round trips through a real browser on a shared 2-core machine.
jest.setTimeout(60_000);

describeBrowser('team journeys in the web page', () => {
  let app: TestApp;
  let inbox: SmtpInbox;
  let browser: SharedBrowser;
  let origin: string;
  let served: ServedWebApp;
  const profiles: BrowserProfile[] = [];
  const started = Date.now();

  beforeAll(async () => {
    served = await startServedWebApp();
    ({ app, inbox, origin } = served);
    browser = await launchSharedBrowser();
  }, 120_000);

  afterAll(async () => {
    for (const profile of profiles) await profile.close();
    await browser?.close();
    await served?.stop();
    console.log(`journeys-team.test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  /** A person in a browser context of their own, signed in as `user` (or not signed in). */
  async function person(
    user: TestUser | null,
    options: Parameters<SharedBrowser['profile']>[1] = {},
  ): Promise<BrowserProfile> {
    const profile = await browser.profile(origin, options);
    profiles.push(profile);
    if (user) await profile.signIn(user.token);
    return profile;
  }

  /** What every page visited must be: no console error or CSP report, no serious axe finding. */
  async function expectSound(page: Page, profile: BrowserProfile): Promise<void> {
    expect(profile.problems).toEqual([]);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  }

  async function openTeam(profile: BrowserProfile, team: TestTeam): Promise<Page> {
    const page = await profile.newPage();
    await page.goto(`${origin}/teams/${team.id}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`^${team.name}`) }).waitFor();
    await page.getByTestId('activity-list').locator('li[data-seq]').first().waitFor();
    return page;
  }

  const tab = (page: Page, name: RegExp | string) =>
    page.getByRole('navigation').getByRole('button', { name });

  const teamHeading = (page: Page, name: string) =>
    page.getByRole('heading', { level: 1, name: new RegExp(`^${name}`) });

  let teams = 0;
  async function teamWith(
    name: string,
    others: { role: 'ADMIN' | 'MEMBER'; displayName: string }[] = [],
    { ownerVerified = false } = {},
  ): Promise<{ team: TestTeam; owner: TestUser; people: TestUser[] }> {
    teams += 1;
    const owner = await buildUser(app, { displayName: `Olivia Owner ${teams}` });
    // Before the owner's next request, which caches their profile (and whether it is proven).
    if (ownerVerified) await markEmailVerified(app, owner);
    const team = await buildTeam(app, owner, name);
    const people: TestUser[] = [];
    for (const other of others)
      people.push(
        await addMember(
          app,
          team,
          other.role,
          await buildUser(app, { displayName: other.displayName }),
        ),
      );
    return { team, owner, people };
  }

  async function invitationStatus(id: string): Promise<string> {
    const [row] = await app.sql<{ status: string }>(
      `SELECT status FROM invitations WHERE id = $1`,
      [id],
    );
    return row.status;
  }

  it('shows my pending invitations on the home page, where I accept one and decline another', async () => {
    const garden = await teamWith('Garden club');
    const books = await teamWith('Book circle');
    const invitee = await buildUser(app, { displayName: 'Ivy Invitee' });
    await markEmailVerified(app, invitee);
    const invite = async (team: TestTeam, owner: TestUser) => {
      const response = await app.gql<{ inviteMember: { invitation: { id: string } } }>(
        `mutation ($t: ID!, $e: String!) { inviteMember(teamId: $t, email: $e) { invitation { id } } }`,
        { t: team.id, e: invitee.email },
        owner.token,
      );
      return response.data!.inviteMember.invitation.id;
    };
    await invite(garden.team, garden.owner);
    const declinedId = await invite(books.team, books.owner);

    const profile = await person(invitee);
    const page = await profile.newPage();
    await page.goto(`${origin}/`);
    const waiting = page.getByRole('region', { name: 'Invitations waiting for you' });
    await waiting.getByText('Book circle').waitFor();
    await waiting.getByText('Garden club').waitFor();
    await page.getByRole('heading', { name: 'My teams' }).waitFor();
    expect(await page.getByText('No teams yet.').count()).toBe(0);
    await expectSound(page, profile);
    await page.screenshot({ path: screenshotPath('web-home-invitations.png') });

    await page.getByRole('button', { name: 'Accept and join Garden club' }).click();
    await page.waitForURL(`${origin}/teams/${garden.team.id}`);
    await teamHeading(page, 'Garden club').waitFor();
    await page
      .getByTestId('activity-list')
      .getByText(/Ivy Invitee joined/)
      .waitFor();
    await expectSound(page, profile);

    await page.getByRole('link', { name: 'teamgraph' }).click();
    await page.getByRole('button', { name: 'Decline the invitation to Book circle' }).click();
    await page.getByText('You declined the invitation to Book circle.').waitFor();
    await waiting.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Garden club' }).waitFor();
    expect(await invitationStatus(declinedId)).toBe('DECLINED');
    await expectSound(page, profile);
  });

  it('lets the owner resend (a second e-mail arrives), copy and revoke a pending invitation, whose link then says so', async () => {
    const { team, owner } = await teamWith('Launch crew');
    const invitee = `guest-${Date.now()}@example.com`;
    const ownerProfile = await person(owner, {
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await openTeam(ownerProfile, team);
    await tab(page, /^Members/).click();
    await page.getByLabel('E-mail to invite').fill(invitee);
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    const pending = page.getByRole('region', { name: /^Pending invitations/ });
    await pending.getByRole('listitem').filter({ hasText: invitee }).waitFor();
    const [first] = await inbox.waitFor(invitee, 1);
    await expectSound(page, ownerProfile);

    await pending.getByRole('button', { name: `Resend the invitation to ${invitee}` }).click();
    const mails = await inbox.waitFor(invitee, 2);
    const resentLink = linkIn(mails[1]);
    expect(resentLink).not.toBe(linkIn(first));
    await page.getByText(`Sent again to ${invitee}`).waitFor();

    await pending.getByRole('button', { name: `Copy link for ${invitee}` }).click();
    await page.getByText(`The link for ${invitee} is on the clipboard.`).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(resentLink);
    await page.screenshot({ path: screenshotPath('web-invitations.png') });

    // The first e-mail's link died with the resend; the second one still works until revoked.
    const guest = await person(null);
    const landing = await guest.newPage();
    await landing.goto(linkIn(first));
    await landing.getByText(/This invitation link is not valid any more/).waitFor();
    await expectSound(landing, guest);
    // Each link in a tab of its own, as a mail client opens it.
    const live = await guest.newPage();
    await live.goto(resentLink);
    await live.getByText(/invites you to join/).waitFor();

    await pending.getByRole('button', { name: `Revoke the invitation to ${invitee}` }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke the invitation to ${invitee}?` });
    await dialog.getByText('The link in their e-mail stops working.').waitFor();
    await expectSound(page, ownerProfile);
    await dialog.getByRole('button', { name: 'Revoke invitation' }).click();
    await page.getByText(`The invitation to ${invitee} was revoked.`).waitFor();
    await pending.getByRole('listitem').filter({ hasText: invitee }).waitFor({ state: 'detached' });
    await pending.getByText('Pending invitations (0)').waitFor();

    const revoked = await guest.newPage();
    await revoked.goto(resentLink);
    await revoked.getByText(/This invitation link is not valid any more/).waitFor();
    await expectSound(revoked, guest);
  });

  it('renames the team, and the member’s open page shows the new name live', async () => {
    const {
      team,
      owner,
      people: [member],
    } = await teamWith('Night owls', [{ role: 'MEMBER', displayName: 'Mia Member' }]);
    const memberProfile = await person(member);
    const memberPage = await openTeam(memberProfile, team);
    const ownerProfile = await person(owner);
    const page = await openTeam(ownerProfile, team);
    await tab(page, 'Team settings').click();
    await page.getByLabel('Team name').fill('Early birds');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByText('The team is now called Early birds.').waitFor();
    await teamHeading(memberPage, 'Early birds').waitFor({ timeout: 5_000 });
    await expectSound(page, ownerProfile);
    await expectSound(memberPage, memberProfile);
  });

  it('transfers ownership: the new owner can delete the team, the old one cannot, and the old owner’s open page says it is gone', async () => {
    const {
      team,
      owner,
      people: [heir],
    } = await teamWith('Relay team', [{ role: 'ADMIN', displayName: 'Hugo Heir' }]);
    const heirProfile = await person(heir);
    const heirPage = await openTeam(heirProfile, team);
    await tab(heirPage, 'Team settings').click();
    await heirPage.getByRole('button', { name: 'Leave team' }).waitFor();
    expect(await heirPage.getByRole('button', { name: 'Delete team' }).count()).toBe(0);

    const ownerProfile = await person(owner);
    const page = await openTeam(ownerProfile, team);
    await tab(page, 'Team settings').click();
    await page.getByLabel('New owner').selectOption({ label: 'Hugo Heir' });
    await page.getByRole('button', { name: 'Transfer ownership' }).click();
    const dialog = page.getByRole('dialog', { name: 'Make Hugo Heir the owner of Relay team?' });
    await dialog.getByText(/you become an admin/).waitFor();
    await expectSound(page, ownerProfile);
    await dialog.getByRole('button', { name: 'Transfer to Hugo Heir' }).click();
    await page.getByText('Hugo Heir is now the owner; you are an admin.').waitFor();

    // Live on both pages: the old owner loses Delete, the heir gains it.
    await page.getByRole('button', { name: 'Leave team' }).waitFor();
    expect(await page.getByRole('button', { name: 'Delete team' }).count()).toBe(0);
    await heirPage.getByRole('button', { name: 'Delete team' }).waitFor({ timeout: 5_000 });
    await expectSound(page, ownerProfile);
    const refused = await app.gql(
      `mutation ($t: ID!) { deleteTeam(teamId: $t) }`,
      { t: team.id },
      owner.token,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    await heirPage.getByRole('button', { name: 'Delete team' }).click();
    const confirmDelete = heirPage.getByRole('dialog', { name: 'Delete Relay team?' });
    await confirmDelete.getByText(/the whole activity log, every membership/).waitFor();
    await confirmDelete.getByText(/This cannot be undone/).waitFor();
    await expectSound(heirPage, heirProfile);
    await heirPage.screenshot({ path: screenshotPath('web-confirm-delete.png') });
    await confirmDelete.getByRole('button', { name: 'Delete Relay team and its data' }).click();
    await heirPage.waitForURL(`${origin}/teams`);
    await heirPage.getByText('You deleted Relay team; its data is gone.').waitFor();
    expect(await heirPage.getByRole('link', { name: 'Relay team' }).count()).toBe(0);
    await expectSound(heirPage, heirProfile);

    await page
      .getByText('Hugo Heir deleted this team: its activity, items and members are gone.', {
        exact: false,
      })
      .waitFor({ timeout: 5_000 });
    await expectSound(page, ownerProfile);
    const [{ count }] = await app.sql<{ count: number }>(
      `SELECT count(*)::int AS count FROM teams WHERE id = $1`,
      [team.id],
    );
    expect(count).toBe(0);
  });

  it('requires two-factor: a member without it is held out, and the page says why', async () => {
    const {
      team,
      owner,
      people: [member],
    } = await teamWith('Vault', [{ role: 'MEMBER', displayName: 'Nico Nofactor' }]);
    await enableTwoFactor(app, owner);
    const memberProfile = await person(member);
    const memberPage = await openTeam(memberProfile, team);

    const ownerProfile = await person(owner);
    const page = await openTeam(ownerProfile, team);
    await tab(page, 'Team settings').click();
    await page.getByText('Two-factor is not required in this team.').waitFor();
    await page.screenshot({ path: screenshotPath('web-settings.png') });
    await page.getByRole('button', { name: 'Require two-factor' }).click();
    const dialog = page.getByRole('dialog', { name: 'Require two-factor for everyone in Vault?' });
    await dialog.getByText(/held out .* Nobody is removed/).waitFor();
    await dialog.getByRole('button', { name: 'Require two-factor' }).click();
    await page.getByText('Everyone in this team must have two-factor on').waitFor();
    await expectSound(page, ownerProfile);

    const why =
      /This team requires two-factor authentication, and your account does not have it on/;
    await memberPage.getByRole('alert').filter({ hasText: why }).waitFor({ timeout: 5_000 });
    await expectSound(memberPage, memberProfile);
    await memberPage.reload();
    await memberPage.getByRole('alert').filter({ hasText: why }).waitFor();
    await expectSound(memberPage, memberProfile);
  });

  it('leaves a team after confirming, and lands on the home page saying so', async () => {
    const {
      team,
      people: [member],
    } = await teamWith('Choir', [{ role: 'MEMBER', displayName: 'Lea Leaver' }]);
    const profile = await person(member);
    const page = await openTeam(profile, team);
    await tab(page, 'Team settings').click();
    await page.getByRole('button', { name: 'Leave team' }).click();
    const dialog = page.getByRole('dialog', { name: 'Leave Choir?' });
    await dialog.getByText(/Only a new invitation brings you back/).waitFor();
    await expectSound(page, profile);
    await dialog.getByRole('button', { name: 'Leave Choir' }).click();
    await page.waitForURL(`${origin}/teams`);
    await page.getByText('You left Choir.').waitFor();
    await page.getByText('No teams yet.').waitFor();
    await expectSound(page, profile);
  });

  it('asks before removing a member or changing a role: cancel (button and Escape) changes nothing, confirm does', async () => {
    const {
      team,
      owner,
      people: [member],
    } = await teamWith('Rowing eight', [{ role: 'MEMBER', displayName: 'Rex Rower' }]);
    const memberProfile = await person(member);
    const memberPage = await openTeam(memberProfile, team);
    const ownerProfile = await person(owner);
    const page = await openTeam(ownerProfile, team);
    await tab(page, /^Members/).click();
    const members = page.getByRole('region', { name: 'Members' }).getByTestId('members');

    // Role change: Cancel keeps the role.
    const role = page.getByLabel('Role of Rex Rower');
    await role.selectOption('ADMIN');
    const promote = page.getByRole('dialog', { name: 'Make Rex Rower an admin?' });
    await promote.getByRole('button', { name: 'Cancel' }).click();
    await promote.waitFor({ state: 'detached' });
    expect(await role.inputValue()).toBe('MEMBER');
    await role.selectOption('ADMIN');
    await promote.getByRole('button', { name: 'Make admin' }).click();
    await waitUntil(async () => (await role.inputValue()) === 'ADMIN', 'the role to read admin');

    // Removal: Cancel, then Escape, leave the member in; focus returns to the button.
    const remove = page.getByRole('button', { name: 'Remove Rex Rower' });
    const dialog = page.getByRole('dialog', { name: 'Remove Rex Rower from the team?' });
    await remove.click();
    await dialog.getByText(/loses access at once/).waitFor();
    await expectSound(page, ownerProfile);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe(
      'Remove Rex Rower',
    );
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    // Focus starts on Cancel (Enter alone never confirms) and Tab stays in the dialog.
    const focused = () => page.evaluate('document.activeElement?.textContent');
    expect(await focused()).toBe('Cancel');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Remove Rex Rower');
    for (let i = 0; i < 3; i += 1) {
      await page.keyboard.press('Tab');
      expect(
        await page.evaluate(
          `!document.activeElement || document.activeElement === document.body || !!document.activeElement.closest('dialog')`,
        ),
      ).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await members.getByText('Rex Rower').waitFor();
    expect(await memberPage.getByTestId('access-ended').count()).toBe(0);

    await remove.click();
    await dialog.getByRole('button', { name: 'Remove Rex Rower' }).click();
    await members.getByText('Rex Rower').waitFor({ state: 'detached' });
    await memberPage.getByTestId('access-ended').waitFor({ timeout: 5_000 });
    await expectSound(page, ownerProfile);
    await expectSound(memberPage, memberProfile);
  });

  it('fits a 390 × 844 phone: no sideways scroll, timestamps on their rows, every team page sound', async () => {
    const {
      team,
      owner,
      people: [member],
    } = await teamWith(
      'Harbour watch with a rather long team name',
      [{ role: 'MEMBER', displayName: 'Pia Phone' }],
      { ownerVerified: true },
    );
    const other = await teamWith('Lighthouse');
    const invited = await app.gql(
      `mutation ($t: ID!, $e: String!) { inviteMember(teamId: $t, email: $e) { token } }`,
      { t: other.team.id, e: owner.email },
      other.owner.token,
    );
    expect(invited.errors).toBeUndefined();
    for (const title of [
      'Check the mooring lines on the north pier before the evening tide',
      'Logbook',
      'A_title_without_any_spaces_that_must_still_wrap_on_a_narrow_phone_screen',
    ])
      await app.gql(
        `mutation ($t: ID!, $title: String!) { createItem(teamId: $t, input: { title: $title, content: {} }) { id } }`,
        { t: team.id, title },
        member.token,
      );
    await app.gql(
      `mutation ($t: ID!, $e: String!) { inviteMember(teamId: $t, email: $e) { token } }`,
      { t: team.id, e: `deckhand-with-a-long-address-${Date.now()}@example.com` },
      owner.token,
    );

    const profile = await person(owner, { viewport: PHONE });
    const page = await profile.newPage();
    const fits = async () => {
      expect(await scrollsSideways(page)).toBe(false);
      await expectSound(page, profile);
    };

    await page.goto(`${origin}/`);
    await page.getByRole('region', { name: 'Invitations waiting for you' }).waitFor();
    await fits();

    await page.goto(`${origin}/teams/${team.id}`);
    const rows = page.getByTestId('activity-list').locator('li[data-seq]');
    await rows.filter({ hasText: 'Logbook' }).waitFor();
    expect(await page.locator('ol.activity li.unread').count()).toBeGreaterThan(0);
    await fits();
    // Each timestamp inside its own row's box (none spilling into the next row).
    const misplaced =
      await page.evaluate(`[...document.querySelectorAll('ol.activity li[data-seq]')]
      .filter((row) => {
        const box = row.getBoundingClientRect();
        const time = row.querySelector('time').getBoundingClientRect();
        return time.top < box.top || time.bottom > box.bottom || time.left < box.left || time.right > box.right;
      })
      .map((row) => row.dataset.seq)`);
    expect(misplaced).toEqual([]);
    await page.screenshot({ path: screenshotPath('web-phone-activity.png'), fullPage: true });

    await tab(page, /^Members/).click();
    await page
      .getByRole('region', { name: /^Pending invitations/ })
      .getByText(/deckhand/)
      .waitFor();
    await fits();
    await page.screenshot({ path: screenshotPath('web-phone-members.png'), fullPage: true });
    await page.getByRole('button', { name: 'Remove Pia Phone' }).click();
    await page.getByRole('dialog', { name: 'Remove Pia Phone from the team?' }).waitFor();
    await fits();
    await page.keyboard.press('Escape');

    await tab(page, 'Items').click();
    await page.getByRole('heading', { name: /^Items/ }).waitFor();
    await fits();
    await tab(page, 'Team settings').click();
    await page.getByRole('heading', { name: 'Team settings' }).waitFor();
    await fits();
  });
});

import type { Page } from 'playwright-core';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import {
  hasChromium,
  launchSharedBrowser,
  CHROMIUM,
  type BrowserProfile,
  type SharedBrowser,
} from './support/browser';
import { screenshotPath } from './support/screenshots';
import { startSmtpInbox, type SmtpInbox } from './support/smtp-inbox';
import { startTestApp, type TestApp } from './support/test-app';
import { buildWebApp } from './support/web-build';
import { WEB_APP_CSP } from '../src/server/web-app';
import { freePort } from '../bench/lib/ports';
import manifest from '../client/trusted-documents.json';
import { createTeamgraphClient } from '../client/src';
import { CreateItemDocument, CreateTeamDocument } from '../client/generated/graphql';
import { insertUser } from './support/fast-users';
import WebSocket from 'ws';

/**
 * The Notifications and Team Activity page end to end in Debian's Chromium: the built page,
 * served by the real server under its CSP, driven by an owner and a member in separate
 * browser profiles, and a newcomer who follows the e-mailed invitation link.
 */
if (!hasChromium)
  console.log(`web-e2e.test: no Chromium at ${CHROMIUM}; the browser tests are skipped`);
const describeBrowser = hasChromium ? describe : describe.skip;

/** The operation a request body names: the page sends its documents by their manifest hash. */
function sentOperation(body: string): string {
  const hash = /"sha256Hash":"([0-9a-f]{64})"/.exec(body)?.[1];
  const document = hash ? (manifest as Record<string, string>)[hash] : undefined;
  return (document && /(query|mutation) \w+/.exec(document)?.[0]) ?? body;
}

describeBrowser('web page in Chromium', () => {
  let app: TestApp;
  let inbox: SmtpInbox;
  let origin: string;
  let webDir: string;
  let browser: SharedBrowser;
  const profiles: BrowserProfile[] = [];
  let owner: TestUser;
  let member: TestUser;
  let team: TestTeam;

  /** A signed-in browser profile (the token as the page itself stores it after log-in). */
  async function profileFor(user: TestUser | null): Promise<BrowserProfile> {
    const profile = await browser.profile(origin);
    profiles.push(profile);
    if (user) await profile.signIn(user.token);
    return profile;
  }

  async function openTeam(profile: BrowserProfile): Promise<Page> {
    const page = await profile.newPage();
    await page.goto(`${origin}/teams/${team.id}`);
    await page.getByTestId('activity-list').locator('li[data-seq]').first().waitFor();
    return page;
  }

  const badge = (page: Page) => page.getByTestId('unread-badge');
  const badgeCount = async (page: Page) =>
    (await badge(page).count()) ? Number(await badge(page).textContent()) : 0;

  beforeAll(async () => {
    browser = await launchSharedBrowser();
    const build = await buildWebApp();
    webDir = build.dir;
    inbox = await startSmtpInbox();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    app = await startTestApp({
      PORT: String(port),
      PUBLIC_URL: origin,
      SMTP_URL: inbox.url,
      WEB_DIR: build.dir,
    });
    owner = await buildUser(app, { displayName: 'Olivia Owner' });
    team = await buildTeam(app, owner, 'Launch crew');
    member = await addMember(
      app,
      team,
      'MEMBER',
      await buildUser(app, { displayName: 'Max Member' }),
    );
  }, 120_000);

  afterAll(async () => {
    for (const profile of profiles) await profile.close();
    await browser?.close();
    await app?.stop();
    await inbox?.close();
  });

  it('serves the page at / under a strict Content-Security-Policy', async () => {
    const response = await fetch(`${origin}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(WEB_APP_CSP);
    expect(await response.text()).toContain('<div id="root">');
    const profile = await profileFor(null);
    const page = await profile.newPage();
    await page.goto(`${origin}/`);
    await page.getByTestId('login-form').waitFor();
    await page.screenshot({ path: screenshotPath('web-login.png') });
    expect(profile.problems).toEqual([]);
  });

  it('shows the owner’s new item on the member’s page live, clears the badge in every tab, and ends on removal', async () => {
    const ownerProfile = await profileFor(owner);
    const memberProfile = await profileFor(member);
    const ownerPage = await openTeam(ownerProfile);
    const memberTab = await openTeam(memberProfile);
    const memberSecondTab = await openTeam(memberProfile);
    // Read everything first, so the badge starts from nothing.
    if (await badgeCount(memberTab)) {
      await memberTab.getByTestId('mark-all-read').click();
      await badge(memberTab).waitFor({ state: 'detached' });
    }
    const before = await badgeCount(memberTab);

    await ownerPage.getByRole('button', { name: 'Items' }).click();
    await ownerPage.getByLabel('New item title').fill('Launch checklist');
    const clicked = Date.now();
    await ownerPage.getByRole('button', { name: 'Add item' }).click();
    const row = memberTab.getByTestId('activity-list').getByText('Launch checklist');
    await row.first().waitFor({ timeout: 5_000 });
    const shownAfterMs = Date.now() - clicked;
    expect(shownAfterMs).toBeLessThan(1_000);
    const showsOneMore = new RegExp(`^${before + 1}$`);
    await badge(memberTab).filter({ hasText: showsOneMore }).waitFor();
    await badge(memberSecondTab).filter({ hasText: showsOneMore }).waitFor();
    await memberTab.screenshot({ path: screenshotPath('web-activity.png') });

    // Mark all read in one tab: the other tab's badge clears (READ_STATE_CHANGED, live).
    await memberTab.getByTestId('mark-all-read').click();
    await badge(memberSecondTab).waitFor({ state: 'detached', timeout: 5_000 });
    await badge(memberTab).waitFor({ state: 'detached' });

    await ownerPage.getByRole('button', { name: /^Members/ }).click();
    await ownerPage.locator(`[data-user="${member.id}"]`).waitFor();
    await ownerPage.screenshot({ path: screenshotPath('web-members.png') });
    await ownerPage.locator(`[data-user="${member.id}"]`).getByTestId('remove-member').click();
    // Removal asks first (a dialog naming the consequence).
    await ownerPage
      .getByRole('dialog')
      .getByRole('button', { name: /^Remove / })
      .click();
    await memberTab.getByTestId('access-ended').waitFor({ timeout: 5_000 });
    await memberSecondTab.getByTestId('access-ended').waitFor({ timeout: 5_000 });
    await memberTab.screenshot({ path: screenshotPath('web-access-ended.png') });

    // Stops updating: the owner's page shows the next row live, the member's never does.
    await ownerPage.getByRole('button', { name: 'Items' }).click();
    await ownerPage.getByLabel('New item title').fill('After the removal');
    await ownerPage.getByRole('button', { name: 'Add item' }).click();
    await ownerPage.getByRole('button', { name: /Notifications and Team Activity/ }).click();
    await ownerPage.getByTestId('activity-list').getByText('After the removal').first().waitFor();
    expect(await memberTab.getByText('After the removal').count()).toBe(0);
    expect(await memberTab.getByTestId('create-item').count()).toBe(0);

    const problems = [...ownerProfile.problems, ...memberProfile.problems];
    expect(
      problems.filter((p) => /Content Security Policy|Refused to|request to/i.test(p)),
    ).toEqual([]);
  });

  it('an open Items tab shows an item created elsewhere, live', async () => {
    const page = await openTeam(await profileFor(owner));
    await page.getByRole('button', { name: 'Items' }).click();
    // Loaded (the count shows): what comes next can only arrive live.
    await page.getByRole('heading', { name: /^Items \(\d+\)$/ }).waitFor();
    // Created through the API, not this page: only its live ITEM_CREATED can bring it in.
    const created = await app.gql<{ createItem: { id: string } }>(
      `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "Made in another tab", content: {} }) { id } }`,
      { t: team.id },
      owner.token,
    );
    await page.locator(`[data-item="${created.data!.createItem.id}"]`).waitFor({ timeout: 5_000 });
  });

  it('pages older activity on scroll, filters it, and shows an edit conflict instead of losing it', async () => {
    const createItem = (title: string) =>
      app.gql<{ createItem: { id: string } }>(
        `mutation ($t: ID!, $title: String!) { createItem(teamId: $t, input: { title: $title, content: {} }) { id } }`,
        { t: team.id, title },
        owner.token,
      );
    let lastId = '';
    for (let i = 0; i < 30; i += 1)
      lastId = (await createItem(`Bulk item ${i}`)).data!.createItem.id;
    const [{ total }] = await app.sql<{ total: number }>(
      `SELECT count(*)::int AS total FROM activities WHERE team_id = $1`,
      [team.id],
    );
    const page = await openTeam(await profileFor(owner));
    const rows = page.getByTestId('activity-list').locator('li[data-seq]');
    expect(await rows.count()).toBe(25);
    await page.getByText('Scroll for more').scrollIntoViewIfNeeded();
    await page.getByText('That is the beginning of the team.').waitFor();
    expect(await rows.count()).toBe(total);

    await page.getByTestId('filter-action').selectOption('Members');
    await page.getByTestId('activity-list').locator('li[data-seq]').first().waitFor();
    await rows.filter({ hasText: 'Bulk item' }).first().waitFor({ state: 'detached' });
    const actions = await page.locator('ol.activity .action').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((a) => a.startsWith('member'))).toBe(true);
    await page.getByTestId('filter-action').selectOption('');
    await page.getByTestId('filter-member').selectOption(owner.id);
    await rows.filter({ hasText: 'Bulk item 29' }).waitFor();

    // Someone else saves while I edit: my draft stays, their version is shown, I choose.
    await page.getByRole('button', { name: 'Items' }).click();
    const item = page.locator(`[data-item="${lastId}"]`);
    await item.getByRole('button', { name: 'Edit' }).click();
    const theirs = await app.gql(
      `mutation ($id: ID!) { updateItem(id: $id, input: { title: "Their title" }, expectedVersion: 1) { version } }`,
      { id: lastId },
      owner.token,
    );
    expect(theirs.errors).toBeUndefined();
    await item.getByLabel('Title').fill('My title');
    await item.getByRole('button', { name: 'Save' }).click();
    await item.getByTestId('conflict').waitFor();
    expect(await item.getByTestId('conflict').textContent()).toContain('Their title');
    expect(await item.getByLabel('Title').inputValue()).toBe('My title');
    await item.getByRole('button', { name: 'Save over their version' }).click();
    await item.getByText('My title').waitFor();
    await item.getByText(/^v3/).waitFor();
  });

  it('takes a newcomer from the e-mailed link through sign-up and accept to the activity page', async () => {
    const email = `newcomer-${Date.now()}@example.com`;
    const invited = await app.gql(
      `mutation ($t: ID!, $e: String!) { inviteMember(teamId: $t, email: $e) { invitation { id } } }`,
      { t: team.id, e: email },
      owner.token,
    );
    expect(invited.errors).toBeUndefined();
    const [mail] = await inbox.waitFor(email);
    const match = /(https?:\/\/[^\s"<>]+#token=([A-Za-z0-9_-]+))/.exec(mail.decoded);
    expect(match).not.toBeNull();
    const [, link, token] = match!;
    expect(link.startsWith(`${origin}/invitations/accept#token=`)).toBe(true);

    const profile = await profileFor(null);
    const page = await profile.newPage();
    const carriedToken: string[] = [];
    page.on('request', (request) => {
      const body = request.postData() ?? '';
      if (request.url().includes(token)) carriedToken.push(`url ${request.url()}`);
      if (Object.values(request.headers()).some((h) => h.includes(token)))
        carriedToken.push(`header of ${request.url()}`);
      if (body.includes(token)) carriedToken.push(sentOperation(body));
    });
    await page.goto(link);
    await page.getByTestId('invitation-preview').waitFor();
    expect(await page.getByTestId('invitation-preview').textContent()).toContain('Launch crew');
    await page.screenshot({ path: screenshotPath('web-invitation.png') });

    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Your name').fill('Nina Newcomer');
    await page.getByLabel('Password').fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByTestId('accept').click();
    await page.waitForURL(`${origin}/teams/${team.id}`);
    expect(page.url()).not.toContain(token);
    await page
      .getByTestId('activity-list')
      .getByText(/Nina Newcomer/)
      .first()
      .waitFor();
    // The token went only to the API, in the preview and accept bodies (each sent by its
    // trusted-document hash); never in a URL or header.
    expect([...new Set(carriedToken)]).toEqual([
      'query InvitationPreview',
      'mutation AcceptInvitation',
    ]);
    expect(profile.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual(
      [],
    );
  });

  it('works against a server that runs only trusted documents', async () => {
    const trusted = await startTestApp({ TRUSTED_DOCUMENTS: 'require', WEB_DIR: webDir });
    try {
      const trustedOrigin = new URL(trusted.url).origin;
      const user = await insertUser(trusted);
      const kit = createTeamgraphClient({
        url: trusted.url,
        token: user.token,
        webSocketImpl: WebSocket,
        trustedDocuments: true,
      });
      const { createTeam } = await kit.request(CreateTeamDocument, { name: 'Trusted crew' });
      const profile = await browser.profile(trustedOrigin);
      profiles.push(profile);
      await profile.signIn(user.token);
      const page = await profile.newPage();
      await page.goto(`${trustedOrigin}/teams/${createTeam.id}`);
      await page.getByTestId('activity-list').locator('li[data-seq]').first().waitFor();
      // Live over the socket, by hash: a row written elsewhere appears on the page.
      await kit.request(CreateItemDocument, {
        teamId: createTeam.id,
        input: { title: 'Seen on a trusted server', content: {} },
      });
      await page
        .getByTestId('activity-list')
        .getByText('Seen on a trusted server')
        .first()
        .waitFor();
      // (The session is stored by an init script, which about:blank may not run.)
      expect(
        profile.problems.filter((p) =>
          /Content Security Policy|Refused to|PERSISTED_QUERY/i.test(p),
        ),
      ).toEqual([]);
      await kit.close();
    } finally {
      await trusted.stop();
    }
  });
});

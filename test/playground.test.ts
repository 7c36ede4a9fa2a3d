import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildUser, type TestUser } from './factories/user.factory';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The playground end to end in headless Chromium: served offline from installed packages,
 * sends the bearer token from the header editor, runs a query and a live subscription.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.log(`playground.test: no Chromium at ${CHROMIUM}; the browser test is skipped`);
const describeBrowser = hasChromium ? describe : describe.skip;

/** The bits of the page's DOM the test touches: GraphiQL's CodeMirror 5 editors. */
interface PageGlobals {
  document: {
    querySelector(selector: string): {
      CodeMirror?: { setValue(value: string): void; getValue(): string };
    } | null;
  };
}

describeBrowser('playground in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let user: TestUser;
  let teamId: string;
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    user = await buildUser(app, { displayName: 'Ada Playground' });
    const team = await app.gql<{ createTeam: { id: string } }>(
      `mutation { createTeam(input: { name: "Research" }) { id } }`,
      {},
      user.token,
    );
    teamId = team.data!.createTeam.id;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    const origin = new URL(app.url).origin;
    // No internet: anything not from the server itself is recorded and refused.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:'))
        return route.continue();
      foreignRequests.push(url);
      return route.abort();
    });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  // These run in the page: the test's TypeScript has no DOM types, so name what is used.
  const setEditor = (selector: string, value: string) =>
    page.evaluate(
      ([sel, text]) => {
        const host = (globalThis as unknown as PageGlobals).document.querySelector(sel);
        if (!host?.CodeMirror) throw new Error(`no editor at ${sel}`);
        host.CodeMirror.setValue(text);
      },
      [selector, value] as const,
    );

  const responseText = () =>
    page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      return document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror?.getValue() ?? '';
    });

  /** Puts a document in the query editor and runs it with the execute button. */
  async function runQuery(query: string): Promise<void> {
    await setEditor('.graphiql-query-editor .CodeMirror', query);
    // GraphiQL derives the operation name from the editor after a short debounce; running
    // before it settles would send the previous document's name.
    await page.waitForTimeout(1_000);
    await page.click('.graphiql-execute-button');
  }

  async function waitForResponse(
    predicate: (text: string) => boolean,
    what: string,
  ): Promise<string> {
    const started = Date.now();
    let text = '';
    while (Date.now() - started < 10_000) {
      text = await responseText();
      if (predicate(text)) return text;
      await page.waitForTimeout(100);
    }
    throw new Error(`waited for ${what}; the response pane shows: ${text}`);
  }

  it('loads the IDE with no request leaving the server', async () => {
    const response = await page.goto(app.url, { waitUntil: 'networkidle' });
    expect(response?.status()).toBe(200);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror', {
      timeout: 15_000,
    });
    expect(foreignRequests).toEqual([]);
  });

  it('runs a query with the bearer token typed into the header editor', async () => {
    await page.click('button[data-name="headers"]');
    await setEditor(
      'section.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror',
      JSON.stringify({ Authorization: `Bearer ${user.token}` }),
    );
    await runQuery('query Me { me { displayName email } }');
    const text = await waitForResponse((t) => t.includes('Ada Playground'), 'the query result');
    expect(JSON.parse(text)).toEqual({
      data: { me: { displayName: 'Ada Playground', email: user.email } },
    });
  });

  it('runs a subscription over graphql-ws and shows live events', async () => {
    await runQuery(
      `subscription Live { teamActivity(teamId: "${teamId}") { seq action summary } }`,
    );
    // The subscription is live once the server holds a socket for it; then change the team.
    const started = Date.now();
    let renamed = false;
    while (!renamed && Date.now() - started < 10_000) {
      await page.waitForTimeout(200);
      const result = await app.gql(
        `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { name } }`,
        { teamId, name: `Research ${Date.now()}` },
        user.token,
      );
      expect(result.errors).toBeUndefined();
      renamed = (await responseText()).includes('teamActivity');
    }
    const text = await waitForResponse((t) => t.includes('teamActivity'), 'a live activity');
    expect(JSON.parse(text).data.teamActivity).toMatchObject({ seq: expect.any(Number) });
    await page.screenshot({ path: join(__dirname, '..', 'docs', 'playground.png') });
    expect(foreignRequests).toEqual([]);
    expect(pageErrors.filter((e) => /Refused to|Content Security Policy/i.test(e))).toEqual([]);
  });
});

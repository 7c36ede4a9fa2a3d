import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildUser, type TestUser } from './factories/user.factory';
import { screenshotPath } from './support/screenshots';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The playground end to end in headless Chromium: served offline from installed packages (its
 * favicon too), a first tab that signs up and returns a token, the bearer token sent from the
 * header editor, headers kept across reloads only when opted in, and a subscription's events
 * shown as a list.
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
  const failedRequests: string[] = [];
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
    page.on('response', (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.status()} ${response.url()}`);
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

  const HEADERS_EDITOR = 'section.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
  const editorText = (selector: string) =>
    page.evaluate((sel) => {
      const { document } = globalThis as unknown as PageGlobals;
      return document.querySelector(sel)?.CodeMirror?.getValue() ?? '';
    }, selector);

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

  it('loads the IDE (and its favicon) with no request leaving the server', async () => {
    const response = await page.goto(app.url, { waitUntil: 'networkidle' });
    expect(response?.status()).toBe(200);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror', {
      timeout: 15_000,
    });
    expect(foreignRequests).toEqual([]);
    const icon = await fetch(new URL('/favicon.ico', app.url));
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/x-icon');
    expect(Buffer.from(await icon.arrayBuffer()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
    expect(failedRequests).toEqual([]);
  });

  it('opens on a ready sign-up / log-in tab that returns a token', async () => {
    const query = await editorText('.graphiql-query-editor .CodeMirror');
    expect(query).toContain('mutation SignUp');
    expect(query).toContain('mutation LogIn');
    await page.click('.graphiql-execute-button');
    await page.getByRole('menuitem', { name: 'SignUp' }).click();
    const text = await waitForResponse((t) => t.includes('token'), 'the sign-up answer');
    const token = JSON.parse(text).data.signUp.token as string;
    const me = await app.gql<{ me: { email: string } }>('{ me { email } }', {}, token);
    expect(me.data?.me.email).toBe('ada@example.com');
  });

  it('runs a query with the bearer token typed into the header editor', async () => {
    await page.click('button[data-name="headers"]');
    await setEditor(HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${user.token}` }));
    await runQuery('query Me { me { displayName email } }');
    const text = await waitForResponse((t) => t.includes('Ada Playground'), 'the query result');
    expect(JSON.parse(text)).toEqual({
      data: { me: { displayName: 'Ada Playground', email: user.email } },
    });
  });

  it('keeps the headers across a reload only once "Persist headers" is on', async () => {
    const header = JSON.stringify({ Authorization: `Bearer ${user.token}` });
    // GraphiQL stores editor state after a short debounce; the reload must come after it.
    await page.waitForTimeout(1_000);
    await page.reload({ waitUntil: 'networkidle' });
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    await page.click('button[data-name="headers"]');
    expect(await editorText(HEADERS_EDITOR)).not.toContain('Bearer');

    await page.click('button[aria-label="Open settings dialog"]');
    await page.click('#enable-persist-headers');
    await page.keyboard.press('Escape');
    await setEditor(HEADERS_EDITOR, header);
    await page.waitForTimeout(1_000);
    await page.reload({ waitUntil: 'networkidle' });
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    await page.click('button[data-name="headers"]');
    expect(await editorText(HEADERS_EDITOR)).toContain(`Bearer ${user.token}`);
  });

  it('shows a subscription as a list of its events: the replay, then live ones', async () => {
    for (const n of [1, 2, 3])
      await app.gql(
        `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { name } }`,
        { teamId, name: `Research ${n}` },
        user.token,
      );
    await runQuery(
      `subscription Live { teamActivity(teamId: "${teamId}", afterSeq: 0) { seq action summary } }`,
    );
    const replayed = await waitForResponse(
      (t) => (t.match(/"seq"/g) ?? []).length >= 4,
      'the replayed events',
    );
    const seqsOf = (text: string) =>
      (JSON.parse(text) as { events: { data: { teamActivity: { seq: number } } }[] }).events.map(
        (e) => e.data.teamActivity.seq,
      );
    expect(seqsOf(replayed)).toEqual([1, 2, 3, 4]);
    await app.gql(
      `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { name } }`,
      { teamId, name: 'Research live' },
      user.token,
    );
    const live = await waitForResponse(
      (t) => (t.match(/"seq"/g) ?? []).length >= 5,
      'a live event',
    );
    expect(seqsOf(live)).toEqual([1, 2, 3, 4, 5]);
    await page.screenshot({ path: screenshotPath('playground.png') });
    expect(foreignRequests).toEqual([]);
    expect(pageErrors.filter((e) => /Refused to|Content Security Policy/i.test(e))).toEqual([]);
  });
});

import { existsSync } from 'node:fs';
import {
  chromium,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';

/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** One person's browser: a context of its own (own storage, own cookies), headless and offline. */
export interface BrowserProfile {
  context: BrowserContext;
  /** Errors and CSP reports the pages printed. */
  problems: string[];
  newPage(): Promise<Page>;
  /**
   * Every page of the profile starts signed in with `token`, stored as the page itself stores
   * it after log-in (unless a log-in of the page's own replaced it); only on the server's origin,
   * as a new tab's about:blank has no storage to write.
   */
  signIn(token: string): Promise<void>;
  close(): Promise<void>;
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const VIEWPORT = { width: 1100, height: 760 };

/**
 * One Chromium per suite whose contexts are separate people (own storage, own cookies): a
 * context costs milliseconds, a browser process a second of CPU.
 */
export interface SharedBrowser {
  /** A new person whose requests may go to `origin` only. */
  profile(origin: string, options?: BrowserContextOptions): Promise<BrowserProfile>;
  close(): Promise<void>;
}

export async function launchSharedBrowser(): Promise<SharedBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  return {
    async profile(origin, options = {}) {
      const context = await browser.newContext({ viewport: VIEWPORT, ...options });
      return watched(context, origin, () => context.close());
    },
    close: () => browser.close(),
  };
}

/** Keeps every request on the server's origin and records what the pages report as problems. */
async function watched(
  context: BrowserContext,
  origin: string,
  close: () => Promise<void>,
): Promise<BrowserProfile> {
  const problems: string[] = [];
  // Nothing may leave the server's origin.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    problems.push(`request to ${url}`);
    return route.abort();
  });
  const watch = (page: Page) => {
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
  };
  context.on('page', watch);
  const signIn = async (token: string): Promise<void> => {
    // A script string: the test's TypeScript has no DOM types.
    await context.addInitScript(
      `if (location.origin === ${JSON.stringify(origin)}) localStorage.getItem('teamgraph.session') || localStorage.setItem('teamgraph.session', ${JSON.stringify(token)});`,
    );
  };
  return { context, problems, newPage: () => context.newPage(), signIn, close };
}

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chromium,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';

/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** A browser profile of its own (empty user data dir), started headless and offline. */
export interface BrowserProfile {
  context: BrowserContext;
  /** Errors and CSP reports the pages printed. */
  problems: string[];
  newPage(): Promise<Page>;
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

export async function launchProfile(origin: string): Promise<BrowserProfile> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'teamgraph-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: VIEWPORT,
    args: ARGS,
  });
  return watched(context, origin, async () => {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });
}

/** One Chromium whose contexts are separate people (own storage, own cookies), cheaper than a process each. */
export interface SharedBrowser {
  profile(options?: BrowserContextOptions): Promise<BrowserProfile>;
  close(): Promise<void>;
}

export async function launchSharedBrowser(origin: string): Promise<SharedBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  return {
    async profile(options = {}) {
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
  return { context, problems, newPage: () => context.newPage(), close };
}

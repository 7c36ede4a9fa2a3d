import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every picture the guides show is one a test run takes (`npm run screenshots` refreshes them
 * all), so no screenshot in the docs is drawn by hand or left behind by a page that changed.
 */
const ROOT = join(__dirname, '..');
const GUIDES = [
  'README.md',
  'client/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The docs/ pictures a guide links to, by file name. */
const shown = [
  ...new Set(
    GUIDES.flatMap((guide) =>
      [...readFileSync(join(ROOT, guide), 'utf8').matchAll(/\]\(([^)\s]+\.png)\)/g)].map((m) =>
        m[1].split('/').pop()!,
      ),
    ),
  ),
].sort();

/** The pictures the suites write through `screenshotPath('…')`. */
const taken = new Set(
  readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.ts'))
    .flatMap((f) =>
      [
        ...readFileSync(join(__dirname, f), 'utf8').matchAll(/screenshotPath\('([^']+\.png)'\)/g),
      ].map((m) => m[1]),
    ),
);

describe('screenshots in the docs', () => {
  it('finds the pictures the guides show', () => {
    expect(shown.length).toBeGreaterThan(0);
  });

  it.each(shown)('%s is taken by a test run and committed in docs/', (file) => {
    expect(taken.has(file)).toBe(true);
    expect(readdirSync(join(ROOT, 'docs'))).toContain(file);
  });
});

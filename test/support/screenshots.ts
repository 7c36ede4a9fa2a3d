import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A test run must not change tracked files: screenshots go to a scratch folder unless
// UPDATE_SCREENSHOTS=1 asks for the committed ones in docs/ to be refreshed.
const folder =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? join(__dirname, '..', '..', 'docs')
    : mkdtempSync(join(tmpdir(), 'teamgraph-screenshots-'));

/** Where a screenshot named `file` (e.g. `playground.png`) is written. */
export const screenshotPath = (file: string): string => join(folder, file);

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '..', '..');

/** Builds the web page with Vite into a private directory (not the shared dist/web). */
export async function buildWebApp(): Promise<{ dir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'teamgraph-web-'));
  await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      join(ROOT, 'web', 'vite.config.mts'),
      '--outDir',
      dir,
      '--emptyOutDir',
    ],
    { cwd: ROOT },
  );
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { oncePerRun } from './once-per-run';

const ROOT = resolve(__dirname, '..', '..');

/**
 * The run's one build of the web page (Vite, into the run's directory, not the shared
 * dist/web): every browser suite serves the same files. One build, too, because Vite refuses
 * to start a second build of the project while one runs.
 */
export async function buildWebApp(): Promise<{ dir: string }> {
  const dir = await oncePerRun('web', async (outDir) => {
    await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        join(ROOT, 'web', 'vite.config.mts'),
        '--outDir',
        outDir,
        '--emptyOutDir',
      ],
      { cwd: ROOT },
    );
  });
  return { dir };
}

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from './wait-until';

/**
 * Something the whole test run builds once, in the directory jest's global setup made for it
 * (global teardown removes it): the first suite to ask builds it into `<run dir>/<name>`, the
 * others wait for it and use the same files, which nothing writes to. A failed build fails
 * every suite that asked for it, with the builder's error.
 */
export async function oncePerRun(
  name: string,
  build: (outDir: string) => Promise<void>,
  waitMs = 240_000,
): Promise<string> {
  const runDir = process.env.TEST_BUILD_DIR;
  if (!runDir) throw new Error('TEST_BUILD_DIR is not set: run the tests through jest');
  const outDir = join(runDir, name);
  const done = join(runDir, `${name}.done`);
  try {
    // Creating a directory either succeeds or fails for everyone else: one builder per run.
    mkdirSync(join(runDir, `${name}.building`));
  } catch {
    await waitUntil(() => existsSync(done), `the run's build of ${name}`, waitMs);
    const failure = readFileSync(done, 'utf8');
    if (failure) throw new Error(`the run's build of ${name} failed: ${failure}`);
    return outDir;
  }
  try {
    await build(outDir);
    writeFileSync(done, '');
  } catch (error) {
    writeFileSync(done, String(error) || 'failed');
    throw error;
  }
  return outDir;
}

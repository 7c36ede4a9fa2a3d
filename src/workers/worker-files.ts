import Piscina from 'piscina';
import path from 'node:path';

// Built code runs the tasks' .js files as they are. Run from TypeScript sources (tests,
// `-r swc-register`), each worker thread compiles its .ts file with the hook the test
// processes use.
const FROM_SOURCES = __filename.endsWith('.ts');
const SOURCE_HOOK = path.join(__dirname, '..', '..', 'test', 'support', 'swc-register.cjs');

/** The file a worker thread loads for the tasks module `name` of this folder (`cpu-tasks`). */
export const tasksFile = (name: string): string =>
  path.join(__dirname, `${name}${FROM_SOURCES ? '.ts' : '.js'}`);

/** The worker threads' execArgv: the source hook when running from sources. */
export const workerExecArgv: readonly string[] = FROM_SOURCES ? ['--require', SOURCE_HOOK] : [];

/**
 * Niceness every pool's threads add to the process's: a busy worker yields the CPU to the
 * event loop's thread, so the loop keeps answering while they run.
 */
export const BACKGROUND_NICE = 10;

/**
 * A pool of worker threads for the tasks module `name` (its task `firstTask` is the one a thread
 * loads at start: the modules have no default export), started on demand at background
 * priority, each thread stopping after a minute idle.
 */
export function backgroundPool(options: {
  name: string;
  firstTask: string;
  threads: number;
  maxQueue?: number;
}): Piscina {
  return new Piscina({
    filename: tasksFile(options.name),
    name: options.firstTask,
    minThreads: 0,
    maxThreads: options.threads,
    ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue }),
    idleTimeout: 60_000,
    niceIncrement: BACKGROUND_NICE,
    execArgv: [...workerExecArgv],
  });
}

import { availableParallelism } from 'node:os';
import type Piscina from 'piscina';
import type * as tasks from './password-tasks';
import { backgroundPool } from './worker-files';

type Tasks = typeof tasks;
export type PasswordTaskName = keyof Tasks;

/**
 * Password hashing and verification (argon2id, 19 MiB and tens of milliseconds of CPU each)
 * in worker threads at background priority. Before, argon2 ran on libuv's thread pool at the
 * event loop's own priority, and a few hashes at once took the cores the loop needed.
 *
 * Its own pool, not the CPU pool's: a log-in waits behind other log-ins, never behind a
 * strength estimate or a log verification. The queue is unbounded, as libuv's was: what may
 * reach it is bounded by the callers' rate limits, and a waiting task holds only its strings.
 */
export class PasswordPool {
  private readonly pool: Piscina;
  private finished = 0;

  constructor(threads: number) {
    this.pool = backgroundPool({
      name: 'password-tasks',
      firstTask: 'hashPassword' satisfies PasswordTaskName,
      threads,
    });
  }

  async run<K extends PasswordTaskName>(
    name: K,
    input: Parameters<Tasks[K]>[0],
  ): Promise<ReturnType<Tasks[K]>> {
    try {
      return (await this.pool.run(input, { name })) as ReturnType<Tasks[K]>;
    } finally {
      this.finished += 1;
    }
  }

  /** Tasks finished (or failed) so far. */
  get completed(): number {
    return this.finished;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/**
 * Threads: one per core but the event loop's, at most 4 (libuv's default pool, where argon2
 * ran before), at least 1.
 */
export const passwordThreads = (cores = availableParallelism()): number =>
  Math.max(1, Math.min(4, cores - 1));

let shared: PasswordPool | undefined;

/**
 * The process's password pool, started on first use. Idle threads stop after a minute and
 * never keep the process alive, so nothing needs to close it at shutdown.
 */
export function passwordPool(): PasswordPool {
  return (shared ??= new PasswordPool(passwordThreads()));
}

/** Stops the process's pool (tests); the next use starts a new one. */
export async function closePasswordPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}

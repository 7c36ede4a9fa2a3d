import type Piscina from 'piscina';
import { rateLimited } from '../errors/errors';
import type * as tasks from './cpu-tasks';
import { backgroundPool } from './worker-files';

type Tasks = typeof tasks;
export type CpuTaskName = keyof Tasks;

export interface CpuPoolOptions {
  /** Worker threads at most (started on demand, stopped when idle). */
  threads: number;
  /** Tasks waiting for a thread at most; beyond that callers are told to retry. */
  maxQueue: number;
}

/**
 * CPU-heavy work (password strength, hash-chain checks) in worker threads, so no request stalls
 * the event loop. One pool per process; closed with the app.
 */
export class CpuPool {
  private readonly pool: Piscina;
  private running = 0;
  private finished = 0;
  private busyWaiters: (() => void)[] = [];

  constructor(options: CpuPoolOptions) {
    this.pool = backgroundPool({
      name: 'cpu-tasks',
      firstTask: 'estimateStrength' satisfies CpuTaskName,
      threads: options.threads,
      maxQueue: options.maxQueue,
    });
  }

  async run<K extends CpuTaskName>(
    name: K,
    input: Parameters<Tasks[K]>[0],
  ): Promise<Awaited<ReturnType<Tasks[K]>>> {
    this.running += 1;
    for (const wake of this.busyWaiters.splice(0)) wake();
    try {
      return (await this.pool.run(input, { name })) as Awaited<ReturnType<Tasks[K]>>;
    } catch (error) {
      // Every thread busy and the queue full: the server is saturated, not broken.
      if (error instanceof Error && error.message === 'Task queue is at limit')
        throw rateLimited(1);
      throw error;
    } finally {
      this.running -= 1;
      this.finished += 1;
    }
  }

  /** Tasks finished (or failed) so far. */
  get completed(): number {
    return this.finished;
  }

  /** Resolves once at least one task is submitted and not finished (tests run work alongside). */
  untilBusy(): Promise<void> {
    if (this.running > 0) return Promise.resolve();
    return new Promise((resolve) => this.busyWaiters.push(resolve));
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

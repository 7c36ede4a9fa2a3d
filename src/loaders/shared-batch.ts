/**
 * Fetches tried when a batch fails, to tell its keys apart: a batch that fails is split in
 * halves, and each half fetched again, until the keys that fail are alone. One bad key among
 * 10,000 costs about 28 more fetches; a failure of every key (the database is down) costs at
 * most this many before they all get it.
 */
export const MAX_RETRY_FETCHES = 32;

/**
 * Gathers the keys that many requests' loaders ask for in the same turn of the event loop into
 * one query. A live event reaches every subscriber of a team at once, and each subscriber's
 * fresh per-event loaders check its membership and load the actor: without this, 1,000
 * subscribers cost 2,000 single-row queries per event; with it, two. Nothing is cached: every
 * batch is a new read, issued after every key in it was asked for, so freshness is the same as
 * one query per loader.
 */
export class SharedBatch<V> {
  private pending = new Map<string, Waiter<V>[]>();
  /** A turn is scheduled to flush `pending`. */
  private scheduled = false;
  /** `pending` waits for a running fetch to finish. */
  private waiting = false;
  private inFlight = 0;

  /**
   * `fetch` returns the value of each key it found; absent keys resolve to null. At most
   * `maxInFlight` fetches run at once: keys asked for while they run wait for one to finish
   * and then go together. Under load that turns many small statements into a few large ones
   * (a reconnect storm, a busy HTTP port); when idle, a fetch starts on the next turn.
   */
  constructor(
    private readonly fetch: (keys: string[]) => Promise<Map<string, V>>,
    private readonly maxInFlight = 2,
  ) {}

  load(key: string): Promise<V | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (!this.scheduled && !this.waiting) {
        this.scheduled = true;
        // After the current burst of promise jobs, so every loader of this turn has asked.
        setImmediate(() => {
          this.scheduled = false;
          if (this.inFlight < this.maxInFlight) void this.flush();
          else this.waiting = true;
        });
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.waiting = false;
    this.inFlight += 1;
    try {
      await this.fetchAndAnswer([...batch.keys()], batch, { left: MAX_RETRY_FETCHES });
    } finally {
      this.inFlight -= 1;
      if (this.waiting) void this.flush();
    }
  }

  /**
   * Fetches `keys` and answers their waiters. A failed fetch of several keys is not every
   * caller's: its halves are fetched again (while `budget` lasts), so each key ends with its
   * own outcome — a value, or the error of a fetch of it alone or of a part that failed whole.
   */
  private async fetchAndAnswer(
    keys: string[],
    waiters: Map<string, Waiter<V>[]>,
    budget: { left: number },
  ): Promise<void> {
    let found: Map<string, V>;
    try {
      found = await this.fetch(keys);
    } catch (error) {
      if (keys.length > 1 && budget.left >= 2) {
        budget.left -= 2;
        const half = Math.ceil(keys.length / 2);
        await Promise.all([
          this.fetchAndAnswer(keys.slice(0, half), waiters, budget),
          this.fetchAndAnswer(keys.slice(half), waiters, budget),
        ]);
        return;
      }
      for (const key of keys) for (const waiter of waiters.get(key) ?? []) waiter.reject(error);
      return;
    }
    for (const key of keys)
      for (const waiter of waiters.get(key) ?? []) waiter.resolve(found.get(key) ?? null);
  }
}

interface Waiter<V> {
  resolve(value: V | null): void;
  reject(error: unknown): void;
}

/**
 * Gathers the keys that many requests' loaders ask for in the same turn of the event loop into
 * one query. A live event reaches every subscriber of a team at once, and each subscriber's
 * fresh per-event loaders check its membership and load the actor: without this, 1,000
 * subscribers cost 2,000 single-row queries per event; with it, two. Nothing is cached: every
 * batch is a new read, issued after every key in it was asked for, so freshness is the same as
 * one query per loader.
 */
export class SharedBatch<V> {
  private pending = new Map<string, ((value: V | null) => void)[]>();
  private failures: ((error: unknown) => void)[] = [];
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
      const resolvers = this.pending.get(key);
      if (resolvers) resolvers.push(resolve);
      else this.pending.set(key, [resolve]);
      this.failures.push(reject);
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
    const failures = this.failures;
    this.pending = new Map();
    this.failures = [];
    this.waiting = false;
    this.inFlight += 1;
    try {
      const found = await this.fetch([...batch.keys()]);
      for (const [key, resolvers] of batch) {
        for (const resolve of resolvers) resolve(found.get(key) ?? null);
      }
    } catch (error) {
      for (const reject of failures) reject(error);
    } finally {
      this.inFlight -= 1;
      if (this.waiting) void this.flush();
    }
  }
}

/**
 * Waits for a condition that can only change when `notify()` is called (a frame arrived, a
 * socket closed): checks it after every notification, never on a timer.
 */
export class ChangeSignal {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
  }

  /** Resolves once `predicate` holds; after `timeoutMs`, rejects with `timedOut()`'s message. */
  async until(predicate: () => boolean, timeoutMs: number, timedOut: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(timedOut());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const waiters = this.waiters;
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }
}

/** Collects what a workload started (servers, databases, client processes) and stops it in reverse order. */
export class Scope {
  private readonly cleanups: (() => Promise<void> | void)[] = [];

  add<T>(resource: T, cleanup: (resource: T) => Promise<void> | void): T {
    this.cleanups.push(() => cleanup(resource));
    return resource;
  }

  async close(): Promise<void> {
    while (this.cleanups.length) {
      const cleanup = this.cleanups.pop();
      try {
        await cleanup?.();
      } catch (error) {
        console.error(`cleanup failed: ${(error as Error).message}`);
      }
    }
  }
}

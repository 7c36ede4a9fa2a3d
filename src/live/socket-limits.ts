/** Open sockets per user on this instance, for the per-user connection cap. */
export class ConnectionCounter {
  private readonly counts = new Map<string, number>();

  /** Counts one more socket for the user unless that would pass `max`; true when counted. */
  tryAcquire(userId: string, max: number): boolean {
    const current = this.counts.get(userId) ?? 0;
    if (current >= max) return false;
    this.counts.set(userId, current + 1);
    return true;
  }

  release(userId: string): void {
    const current = this.counts.get(userId) ?? 0;
    if (current <= 1) this.counts.delete(userId);
    else this.counts.set(userId, current - 1);
  }

  /** Users with at least one open socket (for leak tests). */
  size(): number {
    return this.counts.size;
  }
}

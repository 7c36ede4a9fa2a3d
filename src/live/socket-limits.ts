import { rateLimitRefusals } from '../metrics/budget-metrics';

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

/**
 * Open sockets per address that hold no session (not signed in yet, or anonymous), on this
 * instance: what a caller without an account can make the server hold (WS_MAX_ANONYMOUS_PER_IP).
 * Per instance like the per-user cap: the memory and descriptors it bounds are the instance's.
 */
export class AnonymousSockets {
  private readonly counter = new ConnectionCounter();
  /** The address whose slot each counted socket takes. */
  private readonly slotAddress = new WeakMap<object, string>();

  constructor(private readonly maxPerIp: number) {}

  /** Counts the socket for its address; false (a refusal) when the address is at the cap. */
  tryAcquire(socket: object, ip: string): boolean {
    if (!this.counter.tryAcquire(ip, this.maxPerIp)) {
      rateLimitRefusals.inc({ limit: 'wsAnonymousPerIp' });
      return false;
    }
    this.slotAddress.set(socket, ip);
    return true;
  }

  /** Gives the socket's slot back (signed in, or closed); once only. */
  release(socket: object): void {
    const ip = this.slotAddress.get(socket);
    if (ip === undefined) return;
    this.slotAddress.delete(socket);
    this.counter.release(ip);
  }
}

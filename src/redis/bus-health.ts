import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BusHealth } from '../accounts/session-cache';
import { userChannel } from '../events/domain-events';
import type { EventBus } from '../events/event-bus';

const PROBE_EVERY_MS = 1_000;

/**
 * Whether the Redis bus is delivering. Any drop of the Redis connection starts a new epoch
 * and withdraws trust; trust comes back only once a probe published after the reconnect has
 * come back through the bus (so this instance is subscribed again), retried every second.
 */
export class RedisBusHealth implements BusHealth {
  private epochValue = 0;
  private trustedValue = false;
  private probing: NodeJS.Timeout | null = null;
  private readonly probeUser = randomUUID();
  private readonly stopListening: () => void;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly bus: EventBus,
  ) {
    const unsubscribe = bus.subscribe(userChannel(this.probeUser), (event) => {
      if (event.kind === 'bus-probe' && event.epoch === this.epochValue) {
        this.trustedValue = true;
        this.stopProbing();
      }
    });
    this.stopListening = unsubscribe;
    const lost = () => {
      this.epochValue += 1;
      this.trustedValue = false;
      this.startProbing();
    };
    redis.on('close', lost);
    redis.on('end', lost);
    void (unsubscribe.ready ?? Promise.resolve()).then(() => this.startProbing());
  }

  epoch(): number {
    return this.epochValue;
  }

  trusted(): boolean {
    return this.trustedValue && this.redis.status === 'ready';
  }

  close(): void {
    this.closed = true;
    this.stopProbing();
    this.stopListening();
  }

  private startProbing(): void {
    if (this.probing || this.closed) return;
    const probe = () => {
      void this.bus.publish([
        { kind: 'bus-probe', userId: this.probeUser, epoch: this.epochValue },
      ]);
    };
    this.probing = setInterval(probe, PROBE_EVERY_MS);
    this.probing.unref();
    probe();
  }

  private stopProbing(): void {
    if (this.probing) clearInterval(this.probing);
    this.probing = null;
  }
}

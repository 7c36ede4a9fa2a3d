import { Counter } from 'prom-client';
import type { Logger } from '../../logging/logger';
import { metricsRegistry } from '../../metrics/registry';

/** Stable event names operators alert on. */
export const UnusualEvent = {
  FAILED_LOGINS_ACCOUNT: 'security.failed_logins.account',
  FAILED_LOGINS_IP: 'security.failed_logins.ip',
  DENIED_BURST: 'security.denied_burst',
  WS_CLOSE_BURST: 'security.ws_close_burst',
} as const;
export type UnusualEvent = (typeof UnusualEvent)[keyof typeof UnusualEvent];

export const unusualActivityTotal = new Counter({
  name: 'teamgraph_unusual_activity_total',
  help: 'Unusual-activity warnings raised, by event name',
  labelNames: ['event'] as const,
  registers: [metricsRegistry],
});

export interface Threshold {
  count: number;
  windowMs: number;
}

export const DEFAULT_THRESHOLDS: Record<UnusualEvent, Threshold> = {
  [UnusualEvent.FAILED_LOGINS_ACCOUNT]: { count: 5, windowMs: 5 * 60_000 },
  [UnusualEvent.FAILED_LOGINS_IP]: { count: 20, windowMs: 5 * 60_000 },
  [UnusualEvent.DENIED_BURST]: { count: 20, windowMs: 60_000 },
  [UnusualEvent.WS_CLOSE_BURST]: { count: 20, windowMs: 60_000 },
};

/** Keys tracked per event; beyond this the oldest are forgotten (an attacker cannot grow memory). */
export const MAX_KEYS = 10_000;

/**
 * Counts suspicious signals per key in a sliding window and logs one warning (and counts one
 * metric) each time a key crosses its threshold; the window then starts afresh for that key.
 */
export class UnusualActivity {
  private readonly windows = new Map<UnusualEvent, Map<string, number[]>>();

  constructor(
    private readonly logger: Logger,
    private readonly thresholds: Record<UnusualEvent, Threshold> = DEFAULT_THRESHOLDS,
    private readonly now: () => number = Date.now,
  ) {}

  failedLogIn(account: string, ip: string): void {
    this.hit(UnusualEvent.FAILED_LOGINS_ACCOUNT, account.toLowerCase(), { account, ip });
    this.hit(UnusualEvent.FAILED_LOGINS_IP, ip, { ip });
  }

  /** A FORBIDDEN or UNAUTHENTICATED answer to `actor` (a user id, else the IP). */
  denied(actor: string, code: string, details: Record<string, unknown> = {}): void {
    this.hit(UnusualEvent.DENIED_BURST, actor, { actor, lastCode: code, ...details });
  }

  socketClosed(ip: string, code: number): void {
    this.hit(UnusualEvent.WS_CLOSE_BURST, ip, { ip, lastCloseCode: code });
  }

  /** Keys currently tracked for one event (bounded by MAX_KEYS). */
  trackedKeys(event: UnusualEvent): number {
    return this.windows.get(event)?.size ?? 0;
  }

  private hit(event: UnusualEvent, key: string, details: Record<string, unknown>): void {
    const { count, windowMs } = this.thresholds[event];
    let byKey = this.windows.get(event);
    if (!byKey) this.windows.set(event, (byKey = new Map()));
    const now = this.now();
    const recent = (byKey.get(key) ?? []).filter((t) => now - t < windowMs);
    recent.push(now);
    byKey.delete(key); // re-insert: Map order doubles as least-recently-seen order
    if (recent.length >= count) {
      unusualActivityTotal.inc({ event });
      this.logger.warn(
        { event, count: recent.length, windowSeconds: windowMs / 1000, ...details },
        'unusual activity',
      );
      return;
    }
    byKey.set(key, recent);
    if (byKey.size > MAX_KEYS) byKey.delete(byKey.keys().next().value as string);
  }
}

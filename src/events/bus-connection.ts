import { hostname } from 'node:os';

/** How long a publish or a subscription may wait for Redis before we carry on without it. */
export const REDIS_WAIT_MS = 2_000;
/** Reconnect attempts back off to at most this, so a returning Redis is noticed within it. */
export const MAX_RECONNECT_DELAY_MS = 400;

/**
 * The name the bus's connections carry in CLIENT LIST: the role and which instance (host and
 * process), so an operator can tell whose subscriptions a Redis node holds.
 */
export function busConnectionName(role: string): string {
  const host = hostname().replace(/[^\w.-]/g, '_');
  return `teamgraph-${role}:${host}:${process.pid}`;
}

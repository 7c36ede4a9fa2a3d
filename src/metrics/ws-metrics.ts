import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from './registry';

/** WebSocket figures. The server counts sockets; the live-feed code calls the subscription hooks. */
export const openSockets = new Gauge({
  name: 'teamgraph_ws_open_sockets',
  help: 'WebSocket connections currently open',
  registers: [metricsRegistry],
});

export const socketCloses = new Counter({
  name: 'teamgraph_ws_closes_total',
  help: 'WebSocket connections closed, by close code',
  labelNames: ['code'] as const,
  registers: [metricsRegistry],
});

export const activeSubscriptions = new Gauge({
  name: 'teamgraph_ws_active_subscriptions',
  help: 'GraphQL subscriptions currently running',
  registers: [metricsRegistry],
});

/** Call when a subscription starts streaming (after it passed authorization). */
export const subscriptionStarted = (): void => activeSubscriptions.inc();

/** Call exactly once when that subscription ends, however it ends. */
export const subscriptionEnded = (): void => activeSubscriptions.dec();

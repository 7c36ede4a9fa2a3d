import type { Gauge } from 'prom-client';
import { activeSubscriptions, openSockets } from '../../src/metrics/ws-metrics';
import { waitUntil } from './wait-until';

/**
 * Readiness signals read from the server's own live gauges, not fixed sleeps. A subscription
 * counts as running once it passed authorization and its bus listeners are ready, so an event
 * published after `subscriptionsRunning(n)` resolves reaches it. `on` names a server in
 * another process (read from its /metrics); without it, the servers in this process.
 */
async function read(gauge: Gauge, on?: { url: string }): Promise<number> {
  const { name, values } = await gauge.get();
  if (!on) return values[0]?.value ?? 0;
  const text = await (await fetch(new URL('/metrics', on.url))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} is not in the /metrics of ${on.url}`);
  return Number(line.slice(name.length + 1));
}

async function reaches(gauge: Gauge, count: number, on?: { url: string }): Promise<void> {
  const { name } = await gauge.get();
  let last = NaN;
  await waitUntil(
    async () => (last = await read(gauge, on)) === count,
    () => `${name} to be ${count} (it is ${last})`,
  );
}

/** Subscriptions running now (on the server `on`, or in this process). */
export const countSubscriptionsRunning = (on?: { url: string }): Promise<number> =>
  read(activeSubscriptions, on);

/** Resolves once exactly `count` subscriptions run (on the server `on`, or in this process). */
export const subscriptionsRunning = (count: number, on?: { url: string }): Promise<void> =>
  reaches(activeSubscriptions, count, on);

/** Resolves once exactly `count` WebSocket connections are open, as the server counts them. */
export const socketsOpen = (count: number, on?: { url: string }): Promise<void> =>
  reaches(openSockets, count, on);

/** No socket open and no subscription running: a test's clients are gone on the server too. */
export async function liveIdle(on?: { url: string }): Promise<void> {
  await socketsOpen(0, on);
  await subscriptionsRunning(0, on);
}

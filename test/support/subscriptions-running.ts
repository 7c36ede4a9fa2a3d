import { activeSubscriptions } from '../../src/metrics/ws-metrics';

/**
 * Resolves once exactly `count` subscriptions run in this process, read from the server's own
 * gauge (a readiness signal, not a fixed sleep); fails after `timeoutMs`.
 */
export async function subscriptionsRunning(count: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = (await activeSubscriptions.get()).values[0]?.value ?? 0;
    if (running === count) return;
    if (Date.now() > deadline) throw new Error(`${running} subscriptions running, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

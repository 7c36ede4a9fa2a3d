import { round } from './stats';

/**
 * Samples from one scrape of a teamgraph server's /metrics (for each name, its first series,
 * any labels), in the order asked; fails when one is absent. One scrape matters for gauges
 * that reset when collected (the event-loop delay). `base` is any URL of the server.
 */
export async function servedMetrics(base: string, names: readonly string[]): Promise<number[]> {
  const text = await (await fetch(new URL('/metrics', base))).text();
  return names.map((name) => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    if (!match) throw new Error(`${name} is not in the /metrics of ${base}`);
    return Number(match[1]);
  });
}

/** One sample (see servedMetrics). */
export async function servedMetric(base: string, name: string): Promise<number> {
  const [value] = await servedMetrics(base, [name]);
  return value;
}

/**
 * The server's event-loop delay since the previous scrape, in milliseconds (prom-client's
 * monitorEventLoopDelay, reset on each collect).
 */
export async function loopDelay(base: string): Promise<{ p99Ms: number; maxMs: number }> {
  const [p99, max] = await servedMetrics(base, [
    'teamgraph_nodejs_eventloop_lag_p99_seconds',
    'teamgraph_nodejs_eventloop_lag_max_seconds',
  ]);
  return { p99Ms: round(p99 * 1000, 1), maxMs: round(max * 1000, 1) };
}

import { Gauge } from 'prom-client';
import { metricsRegistry } from './registry';

const readyGauge = new Gauge({
  name: 'teamgraph_ready',
  help: '1 while this instance answers /readyz with 200 (database and Redis answer, not stopping), else 0',
  registers: [metricsRegistry],
});

/** Background checks: scrapes never wait for the database, and checks never pile up. */
const REFRESH_MS = 15_000;

/**
 * Keeps `teamgraph_ready` current: every /readyz answer sets it (`observe`), and a background
 * check runs every 15 s (one at a time). Returns observe and stop.
 */
export function trackReadiness(check: () => Promise<{ ready: boolean }>) {
  let running = false;
  let stopped = false;
  const observe = (result: { ready: boolean }) => {
    if (!stopped) readyGauge.set(result.ready ? 1 : 0);
  };
  const refresh = () => {
    if (running) return;
    running = true;
    void check()
      .then(observe)
      .finally(() => (running = false));
  };
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  timer.unref();
  return {
    observe,
    stop: () => {
      stopped = true;
      clearInterval(timer);
      readyGauge.set(0);
    },
  };
}

import { servedMetric as fromBase } from '../../bench/lib/served-metrics';

/** A sample's value from a test server's /metrics (see bench/lib/served-metrics). */
export const servedMetric = (server: { url: string }, name: string): Promise<number> =>
  fromBase(server.url, name);

import autocannon from 'autocannon';
import { round } from './stats';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Transport errors, timeouts, non-2xx answers and GraphQL `errors` bodies. */
  failures: number;
  seconds: number;
}

export interface LoadSpec {
  url: string;
  connections: number;
  seconds: number;
  /** Headers and body for the n-th connection (each keeps its own for the whole run). */
  request(connection: number): { headers: Record<string, string>; body: string };
}

/** Closed-loop HTTP load: `connections` clients, each sending its next request when answered. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let connection = 0;
  const first = spec.request(0);
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.url,
        method: 'POST',
        connections: spec.connections,
        duration: spec.seconds,
        timeout: 30,
        headers: first.headers,
        body: first.body,
        setupClient: (client) => {
          const { headers, body } = spec.request(connection++);
          client.setHeadersAndBody(headers, body);
        },
        verifyBody: (body) => !body.includes('"errors"'),
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          requestsPerSecond: round(result.requests.total / result.duration, 1),
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          requests: result.requests.total,
          failures: result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0),
          seconds: round(result.duration, 2),
        });
      },
    );
  });
}

/** Adds up alternating rounds of the same load (so drift on a shared machine hits each side alike). */
export function combine(results: LoadResult[]): LoadResult {
  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  return {
    requestsPerSecond: round(requests / seconds, 1),
    // Weighted by requests: an approximation of the pooled percentile.
    p50Ms: round(
      results.reduce((sum, r) => sum + r.p50Ms * r.requests, 0) / Math.max(1, requests),
      1,
    ),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    requests,
    failures: results.reduce((sum, r) => sum + r.failures, 0),
    seconds: round(seconds, 2),
  };
}

export const jsonHeaders = (token?: string): Record<string, string> => ({
  'content-type': 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

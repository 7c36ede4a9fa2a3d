import { Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from './registry';

/** Duration of every HTTP request, by route (never the raw URL: unbounded label values). */
export const httpRequestDuration = new Histogram({
  name: 'teamgraph_http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/**
 * Requests received and not yet answered, by route: a value that keeps growing is requests
 * stuck on something (the database, a lock); it is also what a drain waits for.
 */
export const httpRequestsInFlight = new Gauge({
  name: 'teamgraph_http_requests_in_flight',
  help: 'HTTP requests received and not yet answered, by route',
  labelNames: ['route'] as const,
  registers: [metricsRegistry],
});

const KNOWN_ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics', '/favicon.ico']);

export const routeLabel = (path: string): string => {
  if (KNOWN_ROUTES.has(path)) return path;
  if (path.startsWith('/playground/')) return '/playground';
  return 'other';
};

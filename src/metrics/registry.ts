import { Registry, collectDefaultMetrics } from 'prom-client';

/** The process's Prometheus registry, served at /metrics. Modules register their metrics here. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'teamgraph_' });

import { Counter } from 'prom-client';
import { metricsRegistry } from './registry';

/**
 * Attempts refused because a named limit was spent, by limit (the names of RATE_LIMIT_RULES and
 * `wsAnonymousPerIp`). A bounded label: the names are fixed in code, never the keys they count.
 */
export const rateLimitRefusals = new Counter({
  name: 'teamgraph_rate_limit_refusals_total',
  help: 'Attempts refused because a named rate limit or budget was spent, by limit',
  labelNames: ['limit'] as const,
  registers: [metricsRegistry],
});

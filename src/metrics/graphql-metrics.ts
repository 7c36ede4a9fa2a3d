import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from './registry';

/** GraphQL operations by name and type; the errors they carried, by contract code. */
export const operationDuration = new Histogram({
  name: 'teamgraph_graphql_operation_duration_seconds',
  help: 'GraphQL operation duration by operation name, type, transport and outcome',
  labelNames: ['operation', 'type', 'transport', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export const graphqlErrors = new Counter({
  name: 'teamgraph_graphql_errors_total',
  help: 'Errors returned to clients, by extensions.code and transport',
  labelNames: ['code', 'transport'] as const,
  registers: [metricsRegistry],
});

/**
 * Operation names come from clients, so a label per name could grow without bound: well-formed
 * names are kept up to a cap, everything else is "other".
 */
const MAX_OPERATION_NAMES = 200;
const seenNames = new Set<string>();

export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'other';
  if (seenNames.has(name)) return name;
  if (seenNames.size >= MAX_OPERATION_NAMES) return 'other';
  seenNames.add(name);
  return name;
}

export function observeOperation(entry: {
  operationName: string | null | undefined;
  operationType: string | null | undefined;
  transport: 'http' | 'ws';
  durationMs: number;
  errorCodes: string[];
}): void {
  operationDuration.observe(
    {
      operation: operationLabel(entry.operationName),
      type: entry.operationType ?? 'unknown',
      transport: entry.transport,
      outcome: entry.errorCodes.length ? 'error' : 'ok',
    },
    entry.durationMs / 1000,
  );
  for (const code of entry.errorCodes) graphqlErrors.inc({ code, transport: entry.transport });
}

/** Executions ended by EXECUTION_TIMEOUT, by operation type (each live event counts once). */
export const executionTimeLimits = new Counter({
  name: 'teamgraph_execution_time_limit_total',
  help: 'Operation executions stopped at EXECUTION_TIMEOUT, by operation type',
  labelNames: ['type'] as const,
  registers: [metricsRegistry],
});

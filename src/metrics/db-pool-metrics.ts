import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { poolOf } from '../db/prepared';
import { metricsRegistry } from './registry';

interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const sources = new Set<DataSource>();

/** The pool of an initialized DataSource (its pg pool exists from initialize to destroy). */
function livePool(dataSource: DataSource): PoolLike | undefined {
  if (!dataSource.isInitialized) return undefined;
  const pool: PoolLike | undefined = poolOf(dataSource);
  return pool && typeof pool.totalCount === 'number' ? pool : undefined;
}

function sum(pick: (pool: PoolLike) => number): number {
  let total = 0;
  for (const source of sources) {
    const pool = livePool(source);
    if (pool) total += pick(pool);
  }
  return total;
}

const poolGauge = (name: string, help: string, pick: (pool: PoolLike) => number) =>
  new Gauge({
    name,
    help,
    registers: [metricsRegistry],
    collect() {
      this.set(sum(pick));
    },
  });

poolGauge(
  'teamgraph_db_pool_connections',
  'Database connections open in the pool',
  (p) => p.totalCount,
);
poolGauge('teamgraph_db_pool_idle', 'Idle database connections in the pool', (p) => p.idleCount);
poolGauge(
  'teamgraph_db_pool_waiting',
  'Queries waiting for a pool connection',
  (p) => p.waitingCount,
);

/** Reports this data source's pool until the returned function is called. */
export function trackDbPool(dataSource: DataSource): () => void {
  sources.add(dataSource);
  return () => sources.delete(dataSource);
}

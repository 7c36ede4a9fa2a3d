import type { DataSource } from 'typeorm';
import { pingRedis, type RedisConnection } from '../redis/redis-client';

export interface Readiness {
  ready: boolean;
  status: 'ready' | 'stopping' | 'unavailable';
  database?: 'ok' | 'down';
  redis?: 'ok' | 'down';
}

/** How long a dependency may take to answer before it counts as down. */
const CHECK_TIMEOUT_MS = 2_000;

const within = <T>(work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref(),
    ),
  ]);

/**
 * One readiness check for `/readyz` and the `teamgraph_ready` metric: PostgreSQL (and Redis
 * when configured) answer, and the server is not stopping — a stop is reported at once.
 */
export function readinessCheck(deps: {
  dataSource: DataSource;
  redis: RedisConnection | null;
  stopping: () => boolean;
}): () => Promise<Readiness> {
  return async () => {
    if (deps.stopping()) return { ready: false, status: 'stopping' };
    const [database, redis] = await Promise.all([
      within(deps.dataSource.query('SELECT 1')).then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
      deps.redis
        ? within(pingRedis(deps.redis)).then(
            () => 'ok' as const,
            () => 'down' as const,
          )
        : undefined,
    ]);
    // A stop that began while the checks ran wins.
    if (deps.stopping()) return { ready: false, status: 'stopping', database, redis };
    const ready = database === 'ok' && (redis ?? 'ok') === 'ok';
    return { ready, status: ready ? 'ready' : 'unavailable', database, redis };
  };
}

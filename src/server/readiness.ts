import type { DataSource } from 'typeorm';
import { withTimeout } from '../util/with-timeout';
import { pingRedis, type RedisConnection } from '../redis/redis-client';

export interface Readiness {
  ready: boolean;
  status: 'ready' | 'stopping' | 'unavailable';
  database?: 'ok' | 'down';
  redis?: 'ok' | 'down';
}

/** How long a dependency may take to answer before it counts as down. */
const CHECK_TIMEOUT_MS = 2_000;

const answers = (check: Promise<unknown>, what: string): Promise<'ok' | 'down'> =>
  withTimeout(check, CHECK_TIMEOUT_MS, what).then(
    () => 'ok',
    () => 'down',
  );

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
      answers(deps.dataSource.query('SELECT 1'), 'PostgreSQL'),
      deps.redis ? answers(pingRedis(deps.redis), 'Redis') : undefined,
    ]);
    // A stop that began while the checks ran wins.
    if (deps.stopping()) return { ready: false, status: 'stopping', database, redis };
    const ready = database === 'ok' && (redis ?? 'ok') === 'ok';
    return { ready, status: ready ? 'ready' : 'unavailable', database, redis };
  };
}

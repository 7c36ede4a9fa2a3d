import { Cluster, Redis } from 'ioredis';
import type { RedisTarget } from '../config/redis-config';
import type { Logger } from '../logging/logger';

/** A connection to a single Redis or to a Redis Cluster: the same commands either way. */
export type RedisConnection = Redis | Cluster;

/**
 * One shared command connection for rate limits, the persisted-query cache and readiness.
 * Commands queue while reconnecting but fail after a short wait instead of hanging requests.
 */
export function connectRedis(target: RedisTarget, logger: Logger): RedisConnection {
  const options = { maxRetriesPerRequest: 2, connectTimeout: 5_000 };
  const client =
    target.kind === 'cluster'
      ? new Cluster(target.nodes, { enableOfflineQueue: true, redisOptions: options })
      : new Redis(target.url, { ...options, enableOfflineQueue: true, lazyConnect: false });
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) logger.warn({ event: 'redis.error', err: error }, 'redis unavailable');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info({ event: 'redis.ready' }, 'redis reconnected');
    down = false;
  });
  return client;
}

/** Answers once Redis does: the server, or every master of the cluster. */
export async function pingRedis(client: RedisConnection): Promise<void> {
  if (!(client instanceof Cluster)) {
    await client.ping();
    return;
  }
  const masters = client.nodes('master');
  if (client.status !== 'ready' || !masters.length) throw new Error('redis cluster not ready');
  await Promise.all(masters.map((node) => node.ping()));
}

/** Closes gracefully, falling back to a hard disconnect when Redis does not answer. */
export async function closeRedis(client: RedisConnection): Promise<void> {
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('quit timeout')), 2_000).unref(),
      ),
    ]);
  } catch {
    client.disconnect();
  }
}

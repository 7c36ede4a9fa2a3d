import { Cluster, Redis } from 'ioredis';
import type { RedisTarget } from '../config/redis-config';
import type { Logger } from '../logging/logger';
import { withTimeout } from '../util/with-timeout';

/** A connection to a single Redis or to a Redis Cluster: the same commands either way. */
export type RedisConnection = Redis | Cluster;

/**
 * How often a cluster client re-reads the slot map: ioredis drops a node that went away from
 * its connections and takes it back only at a refresh, so one that returns (or a resharding)
 * is noticed within this, even without traffic to its slots.
 */
export const CLUSTER_SLOTS_REFRESH_MS = 2_000;

/**
 * One shared command connection for rate limits, the persisted-query cache and readiness.
 * Commands queue while reconnecting but fail after a short wait instead of hanging requests.
 */
export function connectRedis(target: RedisTarget, logger: Logger): RedisConnection {
  const options = { maxRetriesPerRequest: 2, connectTimeout: 5_000 };
  const client =
    target.kind === 'cluster'
      ? new Cluster(target.nodes, {
          enableOfflineQueue: true,
          slotsRefreshInterval: CLUSTER_SLOTS_REFRESH_MS,
          redisOptions: options,
        })
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

/** How long QUIT may wait for an answer before the connection is cut. */
const QUIT_WAIT_MS = 2_000;

/** Hash slots of a Redis Cluster. */
const CLUSTER_SLOTS = 16384;

/**
 * Answers once Redis does: the server, or the master of every hash slot (the slot map says
 * who must answer: a node that went away is no longer among the connections).
 */
export async function pingRedis(client: RedisConnection): Promise<void> {
  if (!(client instanceof Cluster)) {
    await client.ping();
    return;
  }
  if (client.status !== 'ready') throw new Error('redis cluster not ready');
  const masters = new Map(
    client.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]),
  );
  const owners = new Set<string | undefined>();
  for (let slot = 0; slot < CLUSTER_SLOTS; slot += 1) owners.add(client.slots[slot]?.[0]);
  const missing = [...owners].filter((owner) => owner === undefined || !masters.has(owner));
  if (missing.length) throw new Error(`redis cluster nodes unreachable: ${missing.join(', ')}`);
  await Promise.all([...masters.values()].map((node) => node.ping()));
}

/**
 * Closes gracefully, falling back to a hard disconnect when Redis does not answer. A client
 * that is not connected (Redis down, still reconnecting) is disconnected at once: its QUIT
 * would only wait in the offline queue until the timeout.
 */
export async function closeRedis(client: RedisConnection): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await withTimeout(client.quit(), QUIT_WAIT_MS, 'Redis QUIT');
  } catch {
    client.disconnect();
  }
}

import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';
import { withTimeout } from '../util/with-timeout';

/**
 * One shared command connection for rate limits, the persisted-query cache and readiness.
 * Commands queue while reconnecting but fail after a short wait instead of hanging requests.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  let down = false;
  client.on('error', (error) => {
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

/** Closes gracefully, falling back to a hard disconnect when Redis does not answer. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    await withTimeout(client.quit(), QUIT_WAIT_MS, 'Redis QUIT');
  } catch {
    client.disconnect();
  }
}

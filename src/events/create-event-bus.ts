import type { Config } from '../config/config';
import { redisTarget, type RedisTarget } from '../config/redis-config';
import type { Logger } from '../logging/logger';
import type { EventBus } from './event-bus';
import { InMemoryEventBus } from './in-memory-event-bus';
import { RedisEventBus } from './redis-event-bus';
import { RedisPubSub } from './redis-pubsub';
import { ShardedPubSub } from './sharded-pubsub';

/**
 * Redis pub/sub when REDIS_URL is set, sharded pub/sub when REDIS_CLUSTER_NODES is (several
 * instances), else in-process.
 */
export function createEventBus(config: Config, logger: Logger): EventBus {
  const target = redisTarget(config);
  return target ? connectRedisEventBus(target, logger) : new InMemoryEventBus();
}

export function connectRedisEventBus(target: RedisTarget, logger: Logger): RedisEventBus {
  const log = logger.child({ component: 'event-bus' });
  const transport =
    target.kind === 'cluster'
      ? new ShardedPubSub(target.nodes, log)
      : new RedisPubSub(target.url, log);
  return new RedisEventBus(transport, log);
}

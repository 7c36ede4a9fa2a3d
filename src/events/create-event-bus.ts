import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import type { EventBus } from './event-bus';
import { InMemoryEventBus } from './in-memory-event-bus';
import { RedisEventBus } from './redis-event-bus';

/** Redis pub/sub when REDIS_URL is set (several instances), else in-process. */
export function createEventBus(config: Config, logger: Logger): EventBus {
  if (config.REDIS_URL)
    return new RedisEventBus(config.REDIS_URL, logger.child({ component: 'event-bus' }));
  return new InMemoryEventBus();
}

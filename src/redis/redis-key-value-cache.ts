import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { RedisConnection } from './redis-client';

/** Persisted queries live at most a day; a client re-sends any it finds missing. */
const DEFAULT_TTL_SECONDS = 24 * 60 * 60;

/**
 * Apollo's cache interface over a Redis connection, so every instance knows every persisted
 * query hash. Cache failures degrade to "not found" (the client then sends the full query).
 */
export class RedisKeyValueCache implements KeyValueCache<string> {
  constructor(
    private readonly client: RedisConnection,
    private readonly prefix = 'teamgraph:apq:',
  ) {}

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.client.get(this.prefix + key)) ?? undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl ?? DEFAULT_TTL_SECONDS;
    try {
      await this.client.set(this.prefix + key, value, 'EX', Math.max(1, Math.ceil(ttl)));
    } catch {
      // Not fatal: the next request for this hash is a miss and the client retries in full.
    }
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.del(this.prefix + key)) > 0;
  }
}

import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';
import { closeRedis } from '../redis/redis-client';
import { busConnectionName, MAX_RECONNECT_DELAY_MS } from './bus-connection';
import type { OutgoingMessage, PubSubTransport } from './pubsub-transport';

/**
 * Plain pub/sub on one Redis server: one connection publishes (PUBLISH, pipelined), one
 * subscribes (SUBSCRIBE). Redis keeps the order of messages from one connection, so events
 * arrive in the order they were published, across channels too.
 */
export class RedisPubSub implements PubSubTransport {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private lost = false;
  private readonly lostListeners: (() => void)[] = [];
  private readonly restoredListeners: (() => void)[] = [];

  constructor(url: string, logger: Logger) {
    const retryStrategy = (attempt: number) => Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS);
    this.publisher = new Redis(url, {
      connectionName: busConnectionName('publish'),
      maxRetriesPerRequest: 1,
      retryStrategy,
    });
    // Subscriptions wait for a reconnect (ioredis then re-subscribes every channel).
    this.subscriber = new Redis(url, {
      connectionName: busConnectionName('subscribe'),
      maxRetriesPerRequest: null,
      retryStrategy,
    });
    this.subscriber.on('close', () => {
      this.lost = true;
      for (const listener of this.lostListeners) listener();
    });
    this.subscriber.on('ready', () => {
      if (!this.lost) return;
      this.lost = false;
      for (const listener of this.restoredListeners) listener();
    });
    for (const [role, connection] of [
      ['publish', this.publisher],
      ['subscribe', this.subscriber],
    ] as const) {
      connection.on('error', (error: Error) =>
        logger.warn({ err: error, role }, 'redis event bus connection error'),
      );
    }
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    const pipeline = this.publisher.pipeline();
    for (const { channel, message } of messages) pipeline.publish(channel, message);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async subscribe(channel: string): Promise<void> {
    await this.subscriber.subscribe(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    await this.subscriber.unsubscribe(channel);
  }

  onMessage(listener: (channel: string, message: string) => void): void {
    this.subscriber.on('message', listener);
  }

  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  onRestored(listener: () => void): void {
    this.restoredListeners.push(listener);
  }

  isUp(): boolean {
    return this.subscriber.status === 'ready';
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher, this.subscriber].map(closeRedis));
  }
}

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';
import { withTimeout } from '../util/with-timeout';
import { channelOf, type DomainEvent } from './domain-events';
import type { EventBus, EventListener, Unsubscribe } from './event-bus';
import { LocalDispatcher } from './local-dispatcher';

/** Redis channel names are shared with anything else on the server: keep ours apart. */
const PREFIX = 'teamgraph:';
/** How long a publish or a subscription may wait for Redis before we carry on without it. */
const REDIS_WAIT_MS = 2_000;
/** Reconnect attempts back off to at most this, so a returning Redis is noticed within it. */
const MAX_RECONNECT_DELAY_MS = 400;

/** What travels on a Redis channel: the event and the instance that published it. */
interface Envelope {
  from: string;
  event: DomainEvent;
}

/**
 * The bus across server instances: events are published as JSON on Redis pub/sub and every
 * other instance dispatches what it receives to its own listeners. The publishing instance
 * dispatches its own events at once, without Redis, so a log-out or a removal ends this
 * instance's sockets and feeds even while Redis is away. One connection publishes; one
 * subscribes — to a channel only while a local listener needs it. Redis keeps the order of
 * messages from one connection, so a team's events (and the revocation that follows a
 * deletion) arrive in the order they were published.
 */
export class RedisEventBus implements EventBus {
  private readonly dispatcher = new LocalDispatcher();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  /** Local listeners per channel, and the SUBSCRIBE that made Redis send us that channel. */
  private readonly channels = new Map<string, { count: number; ready: Promise<void> }>();
  /** Tells this instance's own messages apart when Redis echoes them back. */
  private readonly instanceId = randomUUID();
  private readonly reconnectListeners = new Set<() => void>();
  private lostConnection = false;

  constructor(
    url: string,
    private readonly logger: Logger,
  ) {
    const retryStrategy = (attempt: number) => Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS);
    this.publisher = new Redis(url, {
      connectionName: 'teamgraph-publish',
      maxRetriesPerRequest: 1,
      retryStrategy,
    });
    // Subscriptions wait for a reconnect (ioredis then re-subscribes every channel).
    this.subscriber = new Redis(url, {
      connectionName: 'teamgraph-subscribe',
      maxRetriesPerRequest: null,
      retryStrategy,
    });
    this.subscriber.on('close', () => {
      this.lostConnection = true;
    });
    this.subscriber.on('ready', () => {
      if (!this.lostConnection) return;
      this.lostConnection = false;
      this.logger.info('redis event bus reconnected; re-checking live access');
      for (const listener of [...this.reconnectListeners]) listener();
    });
    for (const [role, connection] of [
      ['publish', this.publisher],
      ['subscribe', this.subscriber],
    ] as const) {
      connection.on('error', (error: Error) =>
        this.logger.warn({ err: error, role }, 'redis event bus connection error'),
      );
    }
    this.subscriber.on('message', (channel: string, message: string) =>
      this.receive(channel, message),
    );
  }

  /**
   * Events are published after their transaction committed, so a Redis outage must not turn a
   * done mutation into an error: failures are logged, not thrown. Feeds recover lost activity
   * from the table at the team's next event, and check membership on every event anyway.
   */
  async publish(events: DomainEvent[]): Promise<void> {
    if (!events.length) return;
    for (const event of events) this.dispatcher.dispatch(event);
    const pipeline = this.publisher.pipeline();
    for (const event of events) {
      const envelope: Envelope = { from: this.instanceId, event };
      pipeline.publish(PREFIX + channelOf(event), JSON.stringify(envelope));
    }
    try {
      const results = await withTimeout(pipeline.exec(), REDIS_WAIT_MS, 'Redis publish');
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      this.logger.error(
        { err: error, events: events.map((e) => ({ kind: e.kind, channel: channelOf(e) })) },
        'events could not be published on redis',
      );
    }
  }

  subscribe(channel: string, listener: EventListener): Unsubscribe {
    const remove = this.dispatcher.subscribe(channel, listener);
    let entry = this.channels.get(channel);
    if (!entry) {
      const ready = this.subscriber.subscribe(PREFIX + channel).then(() => undefined);
      // A failed SUBSCRIBE is logged; ioredis re-subscribes every channel on reconnect.
      ready.catch((error: unknown) =>
        this.logger.warn({ err: error, channel }, 'redis subscribe failed'),
      );
      entry = { count: 0, ready };
      this.channels.set(channel, entry);
    }
    entry.count += 1;
    let removed = false;
    const unsubscribe: Unsubscribe = () => {
      if (removed) return;
      removed = true;
      remove();
      const current = this.channels.get(channel);
      if (!current) return;
      current.count -= 1;
      if (current.count === 0) {
        this.channels.delete(channel);
        this.subscriber.unsubscribe(PREFIX + channel).catch(() => undefined);
      }
    };
    // Bounded: with Redis away, a feed starts anyway and catches up when it is back.
    unsubscribe.ready = withTimeout(entry.ready, REDIS_WAIT_MS, 'Redis subscribe').catch(
      () => undefined,
    );
    return unsubscribe;
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  listenerCount(): number {
    return this.dispatcher.listenerCount();
  }

  /** Redis channels this instance is subscribed to (for leak tests and metrics). */
  channelCount(): number {
    return this.channels.size;
  }

  async close(): Promise<void> {
    this.reconnectListeners.clear();
    this.dispatcher.clear();
    this.channels.clear();
    // QUIT flushes what is queued; a Redis that is away gets no say in how long shutdown takes.
    const connections = [this.publisher, this.subscriber];
    await Promise.allSettled(
      connections.map((c) => withTimeout(c.quit(), REDIS_WAIT_MS, 'Redis QUIT')),
    );
    for (const connection of connections) connection.disconnect();
  }

  private receive(redisChannel: string, message: string): void {
    let envelope: Partial<Envelope> | null;
    try {
      envelope = JSON.parse(message) as Partial<Envelope> | null;
    } catch {
      this.logger.warn({ channel: redisChannel }, 'unreadable message on the event bus');
      return;
    }
    if (typeof envelope !== 'object' || envelope === null) return;
    // Our own events were dispatched when we published them.
    if (envelope.from === this.instanceId) return;
    const event = envelope.event;
    if (typeof event !== 'object' || event === null || typeof event.kind !== 'string') return;
    this.dispatcher.dispatch(event);
  }
}

import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger';
import { withTimeout } from '../util/with-timeout';
import { REDIS_WAIT_MS } from './bus-connection';
import { channelOf, type DomainEvent } from './domain-events';
import type {
  EventBus,
  EventListener,
  PublishObserver,
  SubscribeOptions,
  Unsubscribe,
} from './event-bus';
import {
  InMemoryEventBus,
  openEnvelope,
  publishInEnvelopes,
  type EventEnvelope,
} from './in-memory-event-bus';
import type { PubSubTransport } from './pubsub-transport';

/** Redis channel names are shared with anything else on the server: keep ours apart. */
const PREFIX = 'teamgraph:';

/**
 * What travels on a Redis channel: the event, the instance that published it and the trace
 * context of its publish (in-memory-event-bus.ts).
 */
interface Envelope extends EventEnvelope {
  from: string;
}

/**
 * The bus across server instances: events are published as JSON on Redis — plain pub/sub on
 * one server, sharded pub/sub on a Redis Cluster (see the transports) — and every other
 * instance dispatches what it receives to its own listeners. The publishing instance
 * dispatches its own events at once, without Redis, so a log-out or a removal ends this
 * instance's sockets and feeds even while Redis is away. This instance subscribes to a
 * channel only while a local listener needs it. A team's events (and the revocation that
 * follows a deletion) share the team's channel, so they arrive in the order they were
 * published. This instance's own listeners and publish observers are an in-memory bus's.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new InMemoryEventBus();
  /** Local listeners per channel, and the subscription that made Redis send us that channel. */
  private readonly channels = new Map<string, { count: number; ready: Promise<void> }>();
  /** Tells this instance's own messages apart when Redis echoes them back. */
  readonly instanceId = randomUUID();
  private readonly reconnectListeners = new Set<() => void>();

  constructor(
    private readonly transport: PubSubTransport,
    private readonly logger: Logger,
  ) {
    transport.onRestored(() => {
      this.logger.info('redis event bus reconnected; re-checking live access');
      for (const listener of [...this.reconnectListeners]) listener();
    });
    transport.onMessage((channel, message) => this.receive(channel, message));
  }

  /**
   * Events are published after their transaction committed, so a Redis outage must not turn a
   * done mutation into an error: failures are logged, not thrown. Feeds recover lost activity
   * from the table at the team's next event, and check membership on every event anyway.
   */
  async publish(events: DomainEvent[]): Promise<void> {
    this.local.announce(events);
    if (!events.length) return;
    await publishInEnvelopes(
      events,
      { instanceId: this.instanceId, transport: 'redis' },
      async (envelopes) => {
        for (const envelope of envelopes) this.local.dispatch(openEnvelope(envelope));
        const messages = envelopes.map((envelope) => {
          const sent: Envelope = { from: this.instanceId, ...envelope };
          return { channel: PREFIX + channelOf(envelope.event), message: JSON.stringify(sent) };
        });
        try {
          await withTimeout(this.transport.publish(messages), REDIS_WAIT_MS, 'Redis publish');
        } catch (error) {
          this.logger.error(
            { err: error, events: events.map((e) => ({ kind: e.kind, channel: channelOf(e) })) },
            'events could not be published on redis',
          );
        }
      },
    );
  }

  subscribe(channel: string, listener: EventListener, options?: SubscribeOptions): Unsubscribe {
    const remove = this.local.subscribe(channel, listener, options);
    let entry = this.channels.get(channel);
    if (!entry) {
      const ready = this.transport.subscribe(PREFIX + channel);
      // A failed subscription is logged; ioredis re-subscribes every channel on reconnect.
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
        this.transport.unsubscribe(PREFIX + channel).catch(() => undefined);
      }
    };
    // Bounded: with Redis away, a feed starts anyway and catches up when it is back.
    unsubscribe.ready = withTimeout(entry.ready, REDIS_WAIT_MS, 'Redis subscribe').catch(
      () => undefined,
    );
    return unsubscribe;
  }

  observePublishing(observer: PublishObserver): () => void {
    return this.local.observePublishing(observer);
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  listenerCount(): number {
    return this.local.listenerCount();
  }

  /** Redis channels this instance is subscribed to (for leak tests and metrics). */
  channelCount(): number {
    return this.channels.size;
  }

  /** Redis told us a subscription dropped: events may be missed until `connected()` again. */
  onConnectionLost(listener: () => void): void {
    this.transport.onLost(listener);
  }

  /** Every subscription is in place. */
  connected(): boolean {
    return this.transport.isUp();
  }

  async close(): Promise<void> {
    this.reconnectListeners.clear();
    await this.local.close();
    this.channels.clear();
    await this.transport.close();
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
    this.local.dispatch(openEnvelope({ event, trace: envelope.trace }));
  }
}

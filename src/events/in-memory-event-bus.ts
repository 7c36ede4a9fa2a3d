import { randomUUID } from 'node:crypto';
import { context, propagation, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { SpanAttribute } from '../tracing/span-attributes';
import { tracingOn } from '../tracing/tracing-on';
import { unsampledTrace } from '../tracing/unsampled-trace';
import { SpanKind, withSpan } from '../tracing/with-span';
import { channelOf, type DomainEvent } from './domain-events';
import type {
  EventBus,
  EventListener,
  PublishObserver,
  SubscribeOptions,
  Unsubscribe,
} from './event-bus';

/** The W3C trace context (`traceparent`, `tracestate`) of the publish that sent an event. */
export type TraceCarrier = Record<string, string>;

/** An event as a bus carries it: with the trace context of its publish, when traced. */
export interface EventEnvelope {
  event: DomainEvent;
  trace?: TraceCarrier;
}

/** The context each event arrived with; an event object is dispatched once per process. */
const origins = new WeakMap<DomainEvent, Context>();

/**
 * The bus of one process, and every bus's delivery inside its process: publish observers are
 * told of each batch, then each event reaches this process's listeners of its channel, with
 * the trace context of its publish. The default bus (one instance, no broker); the Redis bus
 * delivers to its own instance's listeners through one of these.
 */
export class InMemoryEventBus implements EventBus {
  readonly instanceId = randomUUID();
  private readonly channels = new Map<string, Set<EventListener>>();
  private readonly observers = new Set<PublishObserver>();
  /** Listeners left out of `listenerCount` (see SubscribeOptions). */
  private uncounted = 0;

  /** Dispatched at once, in the call (as the Redis bus does its own instance's events). */
  async publish(events: DomainEvent[]): Promise<void> {
    this.announce(events);
    if (!events.length) return;
    await publishInEnvelopes(
      events,
      { instanceId: this.instanceId, transport: 'memory' },
      async (envelopes) => {
        for (const envelope of envelopes) this.dispatch(openEnvelope(envelope));
      },
    );
  }

  subscribe(channel: string, listener: EventListener, options?: SubscribeOptions): Unsubscribe {
    let listeners = this.channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.channels.set(channel, listeners);
    }
    listeners.add(listener);
    if (options?.uncounted) this.uncounted += 1;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      if (options?.uncounted) this.uncounted -= 1;
      const current = this.channels.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.channels.delete(channel);
    };
  }

  observePublishing(observer: PublishObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Tells the observers of a batch about to be published here. */
  announce(events: DomainEvent[]): void {
    for (const observe of [...this.observers]) observe(events);
  }

  /** Hands `event` to this process's listeners of its channel. */
  dispatch(event: DomainEvent): void {
    const listeners = this.channels.get(channelOf(event));
    if (!listeners) return;
    // Copy: a listener may unsubscribe itself while we iterate.
    for (const listener of [...listeners]) listener(event);
  }

  /** Never disconnected: nothing to recover from. */
  onReconnect(): () => void {
    return () => undefined;
  }

  listenerCount(): number {
    let count = 0;
    for (const listeners of this.channels.values()) count += listeners.size;
    return count - this.uncounted;
  }

  async close(): Promise<void> {
    this.channels.clear();
    this.observers.clear();
    this.uncounted = 0;
  }
}

/**
 * Publishes `events` in one `events.publish` span (a producer span: deliveries on every
 * instance are its descendants), handing `send` the envelopes that carry its trace context.
 * Both buses publish through here. While tracing is off the envelopes carry nothing; in an
 * unsampled trace they carry its context, flagged unsampled, and no span is made.
 */
export function publishInEnvelopes(
  events: DomainEvent[],
  bus: { instanceId: string; transport: string },
  send: (envelopes: EventEnvelope[]) => Promise<void>,
): Promise<void> {
  return withSpan(
    'events.publish',
    {
      kind: SpanKind.PRODUCER,
      attributes: () => ({
        [SpanAttribute.instanceId]: bus.instanceId,
        [SpanAttribute.busTransport]: bus.transport,
        [SpanAttribute.events]: events.length,
      }),
    },
    () => {
      const carrier = tracingOn() ? activeCarrier() : undefined;
      return send(events.map((event) => (carrier ? { event, trace: carrier } : { event })));
    },
  );
}

/**
 * The active trace context as W3C headers: the publish span's, or the unsampled trace's (from
 * a fresh context: the propagator injects nothing where tracing is suppressed).
 */
function activeCarrier(): TraceCarrier | undefined {
  const unsampled = unsampledTrace();
  const active = unsampled ? trace.setSpanContext(ROOT_CONTEXT, unsampled) : context.active();
  const carrier: TraceCarrier = {};
  propagation.inject(active, carrier);
  return Object.keys(carrier).length ? carrier : undefined;
}

/**
 * Remembers the context an envelope's event was published in, for its listeners
 * (`publishedIn`). Only string fields of the carrier are read: it came off the broker.
 */
export function openEnvelope(envelope: EventEnvelope): DomainEvent {
  const carrier = envelope.trace;
  if (typeof carrier === 'object' && carrier !== null) {
    const fields: TraceCarrier = {};
    for (const key of ['traceparent', 'tracestate']) {
      const value = (carrier as Record<string, unknown>)[key];
      if (typeof value === 'string') fields[key] = value;
    }
    origins.set(envelope.event, propagation.extract(ROOT_CONTEXT, fields));
  }
  return envelope.event;
}

/** The trace context `event` was published in (the root context when it carried none). */
export function publishedIn(event: DomainEvent): Context {
  return origins.get(event) ?? ROOT_CONTEXT;
}

import { context, propagation, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { SpanAttribute } from '../tracing/span-attributes';
import { tracingOn } from '../tracing/tracing-on';
import { unsampledTrace } from '../tracing/unsampled-trace';
import { SpanKind, withSpan } from '../tracing/with-span';
import type { DomainEvent } from './domain-events';

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

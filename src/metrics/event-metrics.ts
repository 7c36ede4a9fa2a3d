import { Counter } from 'prom-client';
import type { PublishObserver } from '../events/event-bus';
import { metricsRegistry } from './registry';

export const eventsPublished = new Counter({
  name: 'teamgraph_events_published_total',
  help: 'Domain events published on the event bus, by kind',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const eventsDelivered = new Counter({
  name: 'teamgraph_events_delivered_total',
  help: 'Events delivered to subscribers (one per subscriber and event), by kind',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

/** Call once per event sent to one subscriber (or once with the number of subscribers). */
export const eventDelivered = (kind: string, subscribers = 1): void =>
  eventsDelivered.inc({ kind }, subscribers);

/** Counts each published event by kind (`teamgraph_events_published_total`). */
export const countPublished: PublishObserver = (events) => {
  for (const event of events) eventsPublished.inc({ kind: event.kind });
};

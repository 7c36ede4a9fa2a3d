import { Counter } from 'prom-client';
import type { DomainEvent } from '../events/domain-events';
import type { EventBus } from '../events/event-bus';
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

/** Call once per event sent to one subscriber. */
export const eventDelivered = (kind: string): void => eventsDelivered.inc({ kind });

/** Counts what goes through the bus without changing it. */
export function countingEventBus(bus: EventBus): EventBus {
  return {
    async publish(events: DomainEvent[]) {
      await bus.publish(events);
      for (const event of events) eventsPublished.inc({ kind: event.kind });
    },
    subscribe: (channel, listener) => bus.subscribe(channel, listener),
    listenerCount: () => bus.listenerCount(),
    close: () => bus.close(),
  };
}

import { Counter } from 'prom-client';
import type { DomainEvent } from '../events/domain-events';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../logging/logger';
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

/** What an application-event log line says: ids and kinds, never summaries or details. */
export function describeEvent(event: DomainEvent): Record<string, unknown> {
  switch (event.kind) {
    case 'activity':
      return {
        kind: event.kind,
        teamId: event.activity.teamId,
        seq: event.activity.seq,
        action: event.activity.action,
        actorId: event.activity.actorId,
        subjectType: event.activity.subjectType,
        subjectId: event.activity.subjectId,
      };
    case 'access-revoked':
    case 'access-granted':
      return { kind: event.kind, teamId: event.teamId, userId: event.userId };
    case 'sessions-revoked':
      return { kind: event.kind, userId: event.userId, sessions: event.sessionIds.length };
    case 'account':
      return { kind: event.kind, userId: event.userId, type: event.type };
    case 'bus-probe':
      return { kind: event.kind, epoch: event.epoch };
  }
}

/**
 * Counts what goes through the bus without changing it and, given a logger, writes one
 * `app.event` line per published event (the application-event log).
 */
export function countingEventBus(bus: EventBus, logger?: Logger): EventBus {
  return {
    async publish(events: DomainEvent[]) {
      await bus.publish(events);
      for (const event of events) {
        eventsPublished.inc({ kind: event.kind });
        logger?.info({ event: 'app.event', ...describeEvent(event) }, 'domain event');
      }
    },
    subscribe: (channel, listener) => bus.subscribe(channel, listener),
    onReconnect: (listener) => bus.onReconnect(listener),
    listenerCount: () => bus.listenerCount(),
    close: () => bus.close(),
  };
}

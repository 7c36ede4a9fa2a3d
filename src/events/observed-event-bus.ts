import type { DomainEvent } from './domain-events';
import type { EventBus } from './event-bus';

/** Told of each batch of events once the bus has published it. */
export type PublishObserver = (events: DomainEvent[]) => void;

/** The same bus, with each observer told of every batch after it was published. */
export function observePublished(bus: EventBus, ...observers: PublishObserver[]): EventBus {
  return {
    instanceId: bus.instanceId,
    async publish(events: DomainEvent[]) {
      await bus.publish(events);
      for (const observe of observers) observe(events);
    },
    subscribe: (channel, listener) => bus.subscribe(channel, listener),
    onReconnect: (listener) => bus.onReconnect(listener),
    listenerCount: () => bus.listenerCount(),
    close: () => bus.close(),
  };
}

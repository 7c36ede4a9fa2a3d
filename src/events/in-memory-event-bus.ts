import type { DomainEvent } from './domain-events';
import type { EventBus, EventListener } from './event-bus';
import { LocalDispatcher } from './local-dispatcher';

/** The default bus: one process, no broker. */
export class InMemoryEventBus implements EventBus {
  private readonly dispatcher = new LocalDispatcher();

  async publish(events: DomainEvent[]): Promise<void> {
    for (const event of events) this.dispatcher.dispatch(event);
  }

  subscribe(channel: string, listener: EventListener): () => void {
    return this.dispatcher.subscribe(channel, listener);
  }

  /** Never disconnected: nothing to recover from. */
  onReconnect(): () => void {
    return () => undefined;
  }

  listenerCount(): number {
    return this.dispatcher.listenerCount();
  }

  async close(): Promise<void> {
    this.dispatcher.clear();
  }
}

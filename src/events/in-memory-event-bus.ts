import { randomUUID } from 'node:crypto';
import type { DomainEvent } from './domain-events';
import type { EventBus, EventListener } from './event-bus';
import { openEnvelope, publishInEnvelopes } from './event-envelope';
import { LocalDispatcher } from './local-dispatcher';

/** The default bus: one process, no broker. */
export class InMemoryEventBus implements EventBus {
  readonly instanceId = randomUUID();
  private readonly dispatcher = new LocalDispatcher();

  /** Dispatched at once, in the call (as the Redis bus does its own instance's events). */
  async publish(events: DomainEvent[]): Promise<void> {
    if (!events.length) return;
    await publishInEnvelopes(
      events,
      { instanceId: this.instanceId, transport: 'memory' },
      async (envelopes) => {
        for (const envelope of envelopes) this.dispatcher.dispatch(openEnvelope(envelope));
      },
    );
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

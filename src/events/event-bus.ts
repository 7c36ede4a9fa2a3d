import type { DomainEvent } from './domain-events';

export type EventListener = (event: DomainEvent) => void;

/**
 * Fan-out of domain events to every listener on a channel, on every server instance.
 * Events are published only after the transaction that produced them committed.
 */
export interface EventBus {
  publish(events: DomainEvent[]): Promise<void>;
  /** Returns the function that removes the listener. */
  subscribe(channel: string, listener: EventListener): () => void;
  /** Number of listeners, for metrics and leak tests. */
  listenerCount(): number;
  close(): Promise<void>;
}

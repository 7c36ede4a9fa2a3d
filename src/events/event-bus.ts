import type { DomainEvent } from './domain-events';

export type EventListener = (event: DomainEvent) => void;

/**
 * Removes the listener. `ready`, when present, settles once the broker has confirmed the
 * subscription: events published after that reach the listener (live feeds wait for it
 * before reading stored rows, so nothing falls between the two).
 */
export interface Unsubscribe {
  (): void;
  ready?: Promise<void>;
}

/**
 * Fan-out of domain events to every listener on a channel, on every server instance.
 * Events are published only after the transaction that produced them committed.
 */
export interface EventBus {
  /** This instance, as its bus tells it from the others (and as its spans name it). */
  readonly instanceId: string;
  publish(events: DomainEvent[]): Promise<void>;
  /** Returns the function that removes the listener. */
  subscribe(channel: string, listener: EventListener): Unsubscribe;
  /**
   * Called after the broker came back from an outage, when events may have been missed: each
   * instance then re-checks what its open sockets and feeds may still receive.
   */
  onReconnect(listener: () => void): () => void;
  /** Number of listeners, for metrics and leak tests. */
  listenerCount(): number;
  close(): Promise<void>;
}

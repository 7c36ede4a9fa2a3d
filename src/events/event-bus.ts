import type { DomainEvent } from './domain-events';

export type EventListener = (event: DomainEvent) => void;

/** Told of each batch of events this process publishes, before any listener receives it. */
export type PublishObserver = (events: DomainEvent[]) => void;

export interface SubscribeOptions {
  /** A cache's own watch rather than a feed's or a socket's: left out of `listenerCount`. */
  uncounted?: boolean;
}

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
  subscribe(channel: string, listener: EventListener, options?: SubscribeOptions): Unsubscribe;
  /**
   * Tells `observer` of every batch published here, before any listener gets it (the events
   * count, the application-event log, the session cache's drops). Returns the function that
   * stops it.
   */
  observePublishing(observer: PublishObserver): () => void;
  /**
   * Called after the broker came back from an outage, when events may have been missed: each
   * instance then re-checks what its open sockets and feeds may still receive.
   */
  onReconnect(listener: () => void): () => void;
  /** Number of listeners (uncounted ones left out), for metrics and leak tests. */
  listenerCount(): number;
  close(): Promise<void>;
}

import { channelOf, type DomainEvent } from './domain-events';
import type { EventListener } from './event-bus';

/** Delivers events to this process's listeners, channel by channel. */
export class LocalDispatcher {
  private readonly channels = new Map<string, Set<EventListener>>();

  subscribe(channel: string, listener: EventListener): () => void {
    let listeners = this.channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.channels.set(channel, listeners);
    }
    listeners.add(listener);
    return () => {
      const current = this.channels.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.channels.delete(channel);
    };
  }

  dispatch(event: DomainEvent): void {
    const listeners = this.channels.get(channelOf(event));
    if (!listeners) return;
    // Copy: a listener may unsubscribe itself while we iterate.
    for (const listener of [...listeners]) listener(event);
  }

  listenerCount(): number {
    let count = 0;
    for (const listeners of this.channels.values()) count += listeners.size;
    return count;
  }

  clear(): void {
    this.channels.clear();
  }
}

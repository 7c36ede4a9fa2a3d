import type { DataSource, EntityManager } from 'typeorm';
import type { DomainEvent } from '../events/domain-events';
import type { EventBus } from '../events/event-bus';

/** Events a transaction produced; published only once it has committed. */
export class PendingEvents {
  readonly events: DomainEvent[] = [];

  add(...events: DomainEvent[]): void {
    this.events.push(...events);
  }
}

/**
 * Runs `work` in one transaction and publishes the events it collected after commit, so
 * subscribers never see work that was rolled back.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  bus: EventBus,
  work: (tx: EntityManager, pending: PendingEvents) => Promise<T>,
): Promise<T> {
  const pending = new PendingEvents();
  const result = await dataSource.transaction((tx) => work(tx, pending));
  if (pending.events.length) await bus.publish(pending.events);
  return result;
}

import type { DataSource, EntityManager } from 'typeorm';

/** Where a transaction's events go once it has committed (the domain's event bus). */
export interface EventPublisher<E> {
  publish(events: E[]): Promise<void>;
}

/** Events a transaction produced; published only once it has committed. */
export class PendingEvents<E> {
  readonly events: E[] = [];

  add(...events: E[]): void {
    this.events.push(...events);
  }
}

/**
 * Runs `work` in one transaction and publishes the events it collected after commit, so
 * subscribers never see work that was rolled back.
 */
export async function inTransaction<T, E>(
  dataSource: DataSource,
  bus: EventPublisher<E>,
  work: (tx: EntityManager, pending: PendingEvents<E>) => Promise<T>,
): Promise<T> {
  const pending = new PendingEvents<E>();
  const result = await dataSource.transaction((tx) => work(tx, pending));
  if (pending.events.length) await bus.publish(pending.events);
  return result;
}

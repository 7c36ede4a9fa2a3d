import type { DataSource, EntityManager } from 'typeorm';
import { retryingTransientFailures } from './transient-failure';

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
 * Runs `work` with a fresh PendingEvents and publishes what it collected once `work` has
 * resolved, that is once its transaction committed: subscribers never see work that was
 * rolled back. A transaction that lost a deadlock or a serialization conflict is run again
 * (with fresh events), so that failure never reaches a client; every transaction of the
 * domain passes here.
 */
export async function publishingAfter<T, E>(
  bus: EventPublisher<E>,
  work: (pending: PendingEvents<E>) => Promise<T>,
): Promise<T> {
  const { result, pending } = await retryingTransientFailures(async () => {
    const pending = new PendingEvents<E>();
    return { result: await work(pending), pending };
  });
  if (pending.events.length) await bus.publish(pending.events);
  return result;
}

/** Runs `work` in one transaction and publishes the events it collected after commit. */
export function inTransaction<T, E>(
  dataSource: DataSource,
  bus: EventPublisher<E>,
  work: (tx: EntityManager, pending: PendingEvents<E>) => Promise<T>,
): Promise<T> {
  return publishingAfter(bus, (pending) => dataSource.transaction((tx) => work(tx, pending)));
}

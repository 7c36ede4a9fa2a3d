import type { PoolClient, QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';
import { type EventPublisher, type PendingEvents, publishingAfter } from './in-transaction';
import { poolOf, type Prepared, type Statement } from './prepared';
import { sendTogether } from './send-together';

/**
 * A transaction whose BEGIN travels with its first statement and whose COMMIT travels with its
 * last: a lock-then-change write costs two round trips instead of four, and the team lock is
 * held for one. `open` must come first; after `close` nothing more can be sent.
 */
export interface ShortTransaction {
  /** BEGIN and `statement`, in one write. */
  open<R extends QueryResultRow>(statement: Prepared, values: unknown[]): Promise<R[]>;
  /**
   * `statement` and COMMIT, in one write. When the statement fails, PostgreSQL answers the
   * COMMIT of the aborted transaction with a rollback, so nothing of it is kept.
   */
  close<R extends QueryResultRow>(statement: Statement): Promise<R[]>;
}

class PoolTransaction implements ShortTransaction {
  opened = false;
  closed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly client: PoolClient,
  ) {}

  async open<R extends QueryResultRow>(statement: Prepared, values: unknown[]): Promise<R[]> {
    if (this.opened) throw new Error('the transaction is already open');
    this.opened = true;
    this.dataSource.logger.logQuery(statement.text, values);
    const [, answer] = await sendTogether(this.client, ['BEGIN', { ...statement, values }]);
    return answer.rows as R[];
  }

  async close<R extends QueryResultRow>({ text, values }: Statement): Promise<R[]> {
    if (!this.opened || this.closed) throw new Error('the transaction is not open');
    this.dataSource.logger.logQuery(text, values);
    // Closed before the answer: whatever it is, the transaction has ended on the server.
    this.closed = true;
    const [answer] = await sendTogether(this.client, [{ text, values }, 'COMMIT']);
    return answer.rows as R[];
  }
}

/**
 * Runs `work` in a ShortTransaction on a pooled connection and publishes the events it
 * collected once it has committed, as `inTransaction` does. Work that returns without `close`
 * is committed; work that throws is rolled back.
 */
export function inShortTransaction<T, E>(
  dataSource: DataSource,
  bus: EventPublisher<E>,
  work: (tx: ShortTransaction, pending: PendingEvents<E>) => Promise<T>,
): Promise<T> {
  return publishingAfter(bus, async (pending) => {
    const client = await poolOf(dataSource).connect();
    let broken: Error | undefined;
    // A connection cut while it is checked out (a restart, a terminated backend) fails the
    // statement in flight; pg also emits it as 'error', which must not go unheard.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    const tx = new PoolTransaction(dataSource, client);
    try {
      const result = await work(tx, pending);
      if (tx.opened && !tx.closed) await client.query('COMMIT');
      return result;
    } catch (error) {
      if (tx.opened && !tx.closed && !broken)
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
      throw error;
    } finally {
      client.removeListener('error', onError);
      // A broken connection is dropped by the pool instead of being handed out again.
      client.release(broken);
    }
  });
}

import type { PoolClient, QueryResultRow } from 'pg';
import { EntityManager, type DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import type { Prepared, Statement } from './prepared';
import { sendTogether } from './send-together';
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
 * The query runner of one transaction: its first statement through TypeORM (or through the
 * connection a caller asks it for) is preceded by START TRANSACTION, in its own round trip as
 * TypeORM's own transactions do; unless `open` began the transaction first.
 */
class TransactionRunner extends PostgresQueryRunner {
  /** Settles once the server has begun the transaction; unset until its first statement. */
  begun: Promise<unknown> | undefined;

  constructor(dataSource: DataSource) {
    super(dataSource.driver as PostgresDriver, 'master');
    // TypeORM's save() and friends then run inside this transaction instead of opening one.
    this.isTransactionActive = true;
    this.transactionDepth = 1;
  }

  /** The pooled connection, as it is: for the statements that begin or end the transaction. */
  pooledClient(): Promise<PoolClient> {
    // Cast: TypeORM's Postgres driver hands out pg's pooled clients, typed as any.
    return super.connect() as Promise<PoolClient>;
  }

  override async connect(): Promise<PoolClient> {
    const client = await this.pooledClient();
    if (!this.begun) {
      this.driver.dataSource.logger.logQuery('START TRANSACTION', [], this);
      this.begun = client.query('START TRANSACTION');
    }
    await this.begun;
    return client;
  }
}

/**
 * One transaction on one pooled connection: TypeORM's EntityManager for the ORM-based work,
 * and `open`/`close` for a write that must hold its lock briefly: BEGIN travels with the first
 * statement and COMMIT with the last, so a lock-then-change write costs two round trips
 * instead of four and the team lock is held for one. After `close` nothing more can be sent.
 */
export class Transaction extends EntityManager {
  private closed = false;

  constructor(
    dataSource: DataSource,
    private readonly runner: TransactionRunner,
  ) {
    super(dataSource, runner);
  }

  /** BEGIN and `statement`, in one write (the statement alone if the transaction had begun). */
  async open<R extends QueryResultRow>(statement: Prepared, values: unknown[]): Promise<R[]> {
    if (this.closed) throw new Error('the transaction is closed');
    const client = await this.runner.pooledClient();
    this.connection.logger.logQuery(statement.text, values, this.runner);
    if (this.runner.begun) {
      await this.runner.begun;
      return (await client.query<R>({ ...statement, values })).rows;
    }
    const sending = sendTogether(client, ['BEGIN', { ...statement, values }]);
    this.runner.begun = sending;
    const [, answer] = await sending;
    return answer.rows as R[];
  }

  /**
   * `statement` and COMMIT, in one write. When the statement fails, PostgreSQL answers the
   * COMMIT of the aborted transaction with a rollback, so nothing of it is kept.
   */
  async close<R extends QueryResultRow>({ text, values }: Statement): Promise<R[]> {
    if (!this.runner.begun || this.closed) throw new Error('the transaction is not open');
    await this.runner.begun;
    const client = await this.runner.pooledClient();
    this.connection.logger.logQuery(text, values, this.runner);
    // Closed before the answer: whatever it is, the transaction has ended on the server.
    this.closed = true;
    const [answer] = await sendTogether(client, [{ text, values }, 'COMMIT']);
    return answer.rows as R[];
  }

  /** Commits what is still open: work that returned without `close`. */
  async commitRest(): Promise<void> {
    if (!this.runner.begun || this.closed) return;
    await this.runner.begun;
    this.closed = true;
    await this.end('COMMIT');
  }

  /**
   * Rolls back what is still open after the work failed. A connection that broke (a restart,
   * a terminated backend) was already handed back to the pool to be dropped; one whose
   * ROLLBACK fails is dropped too instead of being handed out again.
   */
  async rollBackRest(): Promise<void> {
    if (!this.runner.begun || this.closed) return;
    this.closed = true;
    await this.runner.begun.catch(() => undefined);
    if (this.runner.isReleased) return;
    await this.end('ROLLBACK').catch((error: Error) => {
      // Cast: TypeORM's way to hand a connection back as broken is private.
      const runner = this.runner as unknown as { releasePostgresConnection(e: Error): unknown };
      void runner.releasePostgresConnection(error);
    });
  }

  private async end(statement: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const client = await this.runner.pooledClient();
    this.connection.logger.logQuery(statement, [], this.runner);
    await client.query(statement);
  }
}

/**
 * Runs `work` in one transaction on a pooled connection and publishes the events it collected
 * once it has committed: subscribers never see work that was rolled back. Work that returns
 * without `close` is committed; work that throws is rolled back. A transaction that lost a
 * deadlock or a serialization conflict is run again (with fresh events), so that failure never
 * reaches a client; every transaction of the domain passes here.
 */
export async function inTransaction<T, E>(
  dataSource: DataSource,
  bus: EventPublisher<E>,
  work: (tx: Transaction, pending: PendingEvents<E>) => Promise<T>,
): Promise<T> {
  const { result, pending } = await retryingTransientFailures(async () => {
    const pending = new PendingEvents<E>();
    const runner = new TransactionRunner(dataSource);
    // The runner's manager, too: TypeORM's EntityManager sets itself as its runner's.
    const tx = new Transaction(dataSource, runner);
    try {
      // Checked out for the whole work, as TypeORM's own transactions hold theirs.
      await runner.pooledClient();
      try {
        const result = await work(tx, pending);
        await tx.commitRest();
        return { result, pending };
      } catch (error) {
        await tx.rollBackRest();
        throw error;
      }
    } finally {
      // Released with the error already when the connection broke; then this does nothing.
      await runner.release();
    }
  });
  if (pending.events.length) await bus.publish(pending.events);
  return result;
}

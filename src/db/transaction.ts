import type { PoolClient, QueryResultRow } from 'pg';
import { EntityManager, QueryFailedError, type DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import type { Prepared, Statement } from './prepared';
import { sendTogether } from './send-together';
import { retryingTransientFailures } from './transient-failure';

/** Where a transaction's events go once it has committed (the domain's event bus). */
export interface EventPublisher<E> {
  publish(events: E[]): Promise<void>;
}

/** For a transaction that produces no events. */
export const NO_EVENTS: EventPublisher<never> = { publish: () => Promise.resolve() };

/** Events a transaction produced; published only once it has committed. */
export class PendingEvents<E> {
  readonly events: E[] = [];

  add(...events: E[]): void {
    this.events.push(...events);
  }
}

/** What pg keeps of a client's mode: in pipeline mode a statement goes out before the last is answered. */
interface PipelineSwitch {
  pipeline: boolean;
}

/** Puts a checked-out client in pipeline mode, or back; returns the mode it was in. */
function pipelined(client: PoolClient, on: boolean): boolean {
  // Cast: pipeline mode is a pg internal with no types.
  const internals = client as unknown as PipelineSwitch;
  const was = internals.pipeline;
  internals.pipeline = on;
  return was;
}

/** A failed statement as TypeORM reports one, so callers read its code the same way. */
const asQueryFailure = (text: string, values: unknown[], error: unknown): QueryFailedError =>
  error instanceof QueryFailedError ? error : new QueryFailedError(text, values, error as Error);

/**
 * The query runner of one transaction: TypeORM's statements go out on the transaction's
 * connection, BEGIN ahead of the first if nothing was sent yet.
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

  /** Sends BEGIN unless it was sent: ahead of whatever is sent next, with no wait of its own. */
  begin(client: PoolClient): void {
    if (this.begun) return;
    this.driver.dataSource.logger.logQuery('BEGIN', [], this);
    this.begun = client.query('BEGIN');
    // Its failure is also the failure of the statement sent behind it, which reports it.
    this.begun.catch(() => undefined);
  }

  override async connect(): Promise<PoolClient> {
    const client = await this.pooledClient();
    this.begin(client);
    return client;
  }
}

/**
 * One transaction on one pooled connection, in as few round trips as its reads need. The
 * connection is in pg's pipeline mode while the transaction lasts: a statement goes out
 * without waiting for the answers to those before it, and the server still runs them one
 * after another, in the order they were sent.
 * - `read` sends a statement at once, in call order (BEGIN ahead of the first): reads started
 *   together and awaited together (`allInOrder`) cost one round trip, and take their locks
 *   in the order they were called.
 * - `defer` sends a write whose answer nobody needs: it costs no round trip of its own, and
 *   its outcome is checked at COMMIT (a failure aborts the transaction and is what the work
 *   fails with).
 * - `close` sends the last statement with COMMIT, so a lock-then-change write costs two round
 *   trips and holds its lock for one. After it nothing more can be sent.
 * - TypeORM's EntityManager methods still work, each awaited on its own.
 */
export class Transaction extends EntityManager {
  private closed = false;
  /** Deferred writes not yet known to have succeeded. */
  private readonly deferred: Promise<unknown>[] = [];
  /** The first deferred write that failed: the cause of every later statement's failure. */
  private deferredFailure: QueryFailedError | undefined;

  constructor(
    dataSource: DataSource,
    private readonly runner: TransactionRunner,
    private readonly client: PoolClient,
  ) {
    super(dataSource, runner);
  }

  /** Sends `statement` now, in call order (BEGIN ahead of the first); its rows. */
  read<R extends QueryResultRow>(
    statement: string | Prepared,
    values: unknown[] = [],
  ): Promise<R[]> {
    const config = typeof statement === 'string' ? { text: statement } : statement;
    const answer = this.send<R>(config.text, { ...config, values });
    return answer.then(
      (result) => result.rows,
      (error: unknown) => {
        throw this.deferredFailure ?? asQueryFailure(config.text, values, error);
      },
    );
  }

  /** Sends a write now and goes on without its answer (checked when the transaction ends). */
  defer({ text, values, name }: Statement): void {
    const answer = this.send(text, { text, values, name });
    this.deferred.push(
      answer.catch((error: unknown) => {
        this.deferredFailure ??= asQueryFailure(text, values, error);
      }),
    );
  }

  /**
   * `statement` and COMMIT, in one write. When the statement fails, PostgreSQL answers the
   * COMMIT of the aborted transaction with a rollback, so nothing of it is kept.
   */
  async close<R extends QueryResultRow>({ text, values, name }: Statement): Promise<R[]> {
    if (!this.runner.begun || this.closed) throw new Error('the transaction is not open');
    this.connection.logger.logQuery(text, values, this.runner);
    this.connection.logger.logQuery('COMMIT', [], this.runner);
    // Closed before the answer: whatever it is, the transaction has ended on the server.
    this.closed = true;
    const [answer] = await sendTogether(this.client, [{ text, values, name }, 'COMMIT']).catch(
      (error: unknown) => {
        throw this.deferredFailure ?? asQueryFailure(text, values, error);
      },
    );
    await this.deferredSettled();
    return answer.rows as R[];
  }

  /** Commits what is still open: work that returned without `close`. */
  async commitRest(): Promise<void> {
    if (!this.runner.begun || this.closed) return;
    this.closed = true;
    await this.end('COMMIT');
    // A failed deferred write aborted the transaction: the COMMIT was a rollback.
    await this.deferredSettled();
  }

  /**
   * Rolls back what is still open after the work failed. A connection that broke (a restart,
   * a terminated backend) was already handed back to the pool to be dropped; one whose
   * ROLLBACK fails is dropped too instead of being handed out again.
   */
  async rollBackRest(): Promise<void> {
    if (!this.runner.begun || this.closed) return;
    this.closed = true;
    if (this.runner.isReleased) return;
    await this.end('ROLLBACK').catch((error: Error) => {
      // Cast: TypeORM's way to hand a connection back as broken is private.
      const runner = this.runner as unknown as { releasePostgresConnection(e: Error): unknown };
      void runner.releasePostgresConnection(error);
    });
    await Promise.all(this.deferred);
  }

  /**
   * Runs `work` on the connection in pg's ordinary mode, for what pipeline mode cannot carry (a
   * COPY stream): once everything sent before has been answered, BEGIN included.
   */
  async unpipelined<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the transaction is closed');
    this.runner.begin(this.client);
    await Promise.all([this.runner.begun?.catch(() => undefined), ...this.deferred]);
    if (this.deferredFailure) throw this.deferredFailure;
    pipelined(this.client, false);
    try {
      return await work(this.client);
    } finally {
      pipelined(this.client, true);
    }
  }

  /** Why the work failed: a deferred write that failed first, else `error` itself. */
  causeOf(error: unknown): unknown {
    return this.deferredFailure ?? error;
  }

  private send<R extends QueryResultRow>(
    text: string,
    config: { text: string; values: unknown[]; name?: string },
  ) {
    if (this.closed) throw new Error('the transaction is closed');
    this.runner.begin(this.client);
    this.connection.logger.logQuery(text, config.values, this.runner);
    return this.client.query<R>(config);
  }

  /** Waits for every deferred write; throws the first failure. */
  private async deferredSettled(): Promise<void> {
    await Promise.all(this.deferred);
    if (this.deferredFailure) throw this.deferredFailure;
  }

  private async end(statement: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    this.connection.logger.logQuery(statement, [], this.runner);
    await this.client.query(statement);
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
    // Checked out for the whole work, as TypeORM's own transactions hold theirs.
    const client = await runner.pooledClient().catch(async (error: unknown) => {
      await runner.release();
      throw error;
    });
    // The runner's manager, too: TypeORM's EntityManager sets itself as its runner's.
    const tx = new Transaction(dataSource, runner, client);
    const wasPipelined = pipelined(client, true);
    try {
      try {
        const result = await work(tx, pending);
        await tx.commitRest();
        return { result, pending };
      } catch (error) {
        await tx.rollBackRest();
        throw tx.causeOf(error);
      }
    } finally {
      // Every statement has been answered: the client is idle and goes back as it came.
      pipelined(client, wasPipelined);
      // Released with the error already when the connection broke; then this does nothing.
      await runner.release();
    }
  });
  if (pending.events.length) await bus.publish(pending.events);
  return result;
}

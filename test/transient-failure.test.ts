import type { DataSource, EntityManager } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { inTransaction } from '../src/db/transaction';
import { prepared } from '../src/db/prepared';
import { TRANSACTION_ATTEMPTS, transientFailuresSeen } from '../src/db/transient-failure';
import { createScratchDatabase } from './support/scratch-database';

/**
 * A transaction that loses a deadlock or a serialization conflict is run again, a bounded
 * number of times, with fresh events; its caller never sees the database's error.
 */
describe('transactions that lose to another one', () => {
  let db: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataSource: DataSource;
  const published: string[][] = [];
  const bus = { publish: async (events: string[]) => void published.push(events) };

  beforeAll(async () => {
    db = await createScratchDatabase();
    dataSource = createDataSource({ url: db.url, poolSize: 4 });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)');
    await dataSource.query('INSERT INTO counter VALUES (1, 0), (2, 0)');
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** Resolves once `count` calls were made: both sides have taken their first row. */
  function meeting(count: number) {
    let arrived = 0;
    let open!: () => void;
    const all = new Promise<void>((resolve) => (open = resolve));
    return () => {
      arrived += 1;
      if (arrived >= count) open();
      return all;
    };
  }

  const bump = (tx: EntityManager, id: number) =>
    tx.query('UPDATE counter SET n = n + 1 WHERE id = $1', [id]);

  it('runs the loser of a deadlock again: both commit, once each, and the events go out once', async () => {
    const before = transientFailuresSeen().deadlocks;
    published.length = 0;
    const bothHoldOne = meeting(2);
    let attempts = 0;
    // Each takes one row, waits until the other holds the other row, then asks for it.
    const crossing = (mine: number, theirs: number) =>
      inTransaction(dataSource, bus, async (tx, pending) => {
        attempts += 1;
        pending.add(`row ${mine} then ${theirs}`);
        await bump(tx, mine);
        await bothHoldOne();
        await bump(tx, theirs);
        return mine;
      });
    await expect(Promise.all([crossing(1, 2), crossing(2, 1)])).resolves.toEqual([1, 2]);
    expect(attempts).toBe(3);
    expect(transientFailuresSeen().deadlocks).toBe(before + 1);
    expect(await dataSource.query('SELECT id, n FROM counter ORDER BY id')).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
    expect(published.flat().sort()).toEqual(['row 1 then 2', 'row 2 then 1']);
  });

  it('retries a short transaction caught in a deadlock with another', async () => {
    const before = transientFailuresSeen().deadlocks;
    const lock = prepared('test_lock_counter', 'SELECT n FROM counter WHERE id = $1 FOR UPDATE');
    const bothHoldOne = meeting(2);
    let attempts = 0;
    let longAttempts = 0;
    const shortFirst = inTransaction(dataSource, bus, async (tx) => {
      attempts += 1;
      await tx.read(lock, [1]);
      await bothHoldOne();
      await tx.close({
        text: 'UPDATE counter SET n = n + 1 WHERE id = 1 OR id = 2',
        values: [],
      });
    });
    const longFirst = inTransaction(dataSource, bus, async (tx) => {
      longAttempts += 1;
      await bump(tx, 2);
      await bothHoldOne();
      await bump(tx, 1);
    });
    await Promise.all([shortFirst, longFirst]);
    // Which side PostgreSQL picks varies; each ran to its commit exactly once in the end.
    expect(transientFailuresSeen().deadlocks).toBeGreaterThan(before);
    expect(attempts + longAttempts).toBeGreaterThan(2);
    expect(await dataSource.query('SELECT id, n FROM counter ORDER BY id')).toEqual([
      { id: 1, n: 4 },
      { id: 2, n: 4 },
    ]);
  });

  it('answers CONFLICT, not the database error, when every attempt lost', async () => {
    const before = transientFailuresSeen().serializationFailures;
    let attempts = 0;
    const losing = inTransaction(dataSource, bus, async (tx) => {
      attempts += 1;
      await tx.query(
        `DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = 'serialization_failure'; END $$`,
      );
    });
    await expect(losing).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(attempts).toBe(TRANSACTION_ATTEMPTS);
    expect(transientFailuresSeen().serializationFailures).toBe(before + TRANSACTION_ATTEMPTS);
  });

  it('does not run again a transaction that failed for any other reason', async () => {
    let attempts = 0;
    const failing = inTransaction(dataSource, bus, async (tx) => {
      attempts += 1;
      await tx.query('INSERT INTO counter VALUES (1, 0)');
    });
    await expect(failing).rejects.toThrow(/duplicate key/);
    expect(attempts).toBe(1);
  });
});

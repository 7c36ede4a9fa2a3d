import { Socket } from 'node:net';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { poolOf, prepared } from '../src/db/prepared';
import { sendTogether } from '../src/db/send-together';
import { allInOrder } from '../src/db/all-in-order';
import { inTransaction } from '../src/db/transaction';
import { roundTrips } from './support/pg-statements';
import { createScratchDatabase } from './support/scratch-database';
import { waitUntil } from './support/wait-until';

/** One transaction: BEGIN with the first statement and COMMIT with the last, or the ORM's view. */
describe('transactions', () => {
  const pipelineOf = (client: PoolClient) => (client as unknown as { pipeline: boolean }).pipeline;
  let db: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataSource: DataSource;
  const noEvents = { publish: async () => undefined };
  const published: string[][] = [];
  const bus = { publish: async (events: string[]) => void published.push(events) };
  const lockRow = prepared('test_lock_row', 'SELECT n FROM counter WHERE id = $1 FOR UPDATE');
  const bump = { text: 'UPDATE counter SET n = n + 1 WHERE id = $1 RETURNING n', values: [1] };
  const count = async () =>
    ((await dataSource.query('SELECT n FROM counter WHERE id = 1')) as { n: number }[])[0].n;

  beforeAll(async () => {
    db = await createScratchDatabase();
    dataSource = createDataSource({ url: db.url, poolSize: 3 });
    await dataSource.initialize();
    await dataSource.query(
      'CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL CHECK (n < 100))',
    );
    await dataSource.query('INSERT INTO counter VALUES (1, 0), (2, 99)');
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('sends statements in one socket write and answers each in order', async () => {
    const client: PoolClient = await poolOf(dataSource).connect();
    const writes = jest.spyOn(Socket.prototype, '_writev' as never);
    const single = jest.spyOn(Socket.prototype, '_write' as never);
    try {
      const answers = await sendTogether(client, [
        'SELECT 1 AS a',
        { text: 'SELECT $1::int + 1 AS b', values: [41] },
        'SELECT 3 AS c',
      ]);
      expect(answers.map((a) => a.rows[0] as unknown)).toEqual([{ a: 1 }, { b: 42 }, { c: 3 }]);
      expect(writes.mock.calls.length + single.mock.calls.length).toBe(1);
    } finally {
      writes.mockRestore();
      single.mockRestore();
      client.release();
    }
  });

  it('leaves the client in its ordinary mode, usable, after a statement fails', async () => {
    const client = await poolOf(dataSource).connect();
    try {
      await expect(
        sendTogether(client, ['SELECT 1', 'SELECT * FROM no_such_table', 'SELECT 2 AS two']),
      ).rejects.toThrow(/no_such_table/);
      expect((client as unknown as { pipeline: boolean }).pipeline).toBe(false);
      // Ordinary mode queues a second query behind the first instead of sending it.
      const [one, two] = await Promise.all([
        client.query('SELECT 1 AS one'),
        client.query('SELECT 2 AS two'),
      ]);
      expect([one.rows[0], two.rows[0]]).toEqual([{ one: 1 }, { two: 2 }]);
    } finally {
      client.release();
    }
  });

  it('commits open + close and publishes only afterwards', async () => {
    published.length = 0;
    const before = await count();
    const result = await inTransaction(dataSource, bus, async (tx, pending) => {
      await tx.read(lockRow, [1]);
      const [row] = await tx.close<{ n: number }>(bump);
      pending.add('bumped');
      expect(published).toEqual([]);
      return row.n;
    });
    expect(result).toBe(before + 1);
    expect(await count()).toBe(before + 1);
    expect(published).toEqual([['bumped']]);
  });

  it('rolls back when the work throws after open, and publishes nothing', async () => {
    published.length = 0;
    const before = await count();
    const bumpFirst = prepared('test_bump', bump.text);
    await expect(
      inTransaction(dataSource, bus, async (tx, pending) => {
        const [row] = await tx.read<{ n: number }>(bumpFirst, [1]);
        expect(row.n).toBe(before + 1);
        pending.add('never');
        throw new Error('denied');
      }),
    ).rejects.toThrow('denied');
    expect(published).toEqual([]);
    expect(await count()).toBe(before);
  });

  it('keeps nothing when the closing statement fails: the COMMIT becomes a rollback', async () => {
    const before = await count();
    const bumpFirst = prepared('test_bump', bump.text);
    await expect(
      inTransaction(dataSource, noEvents, async (tx) => {
        await tx.read(bumpFirst, [1]);
        // Row 2 is at 99: one more breaks the CHECK.
        return tx.close({ text: bump.text, values: [2] });
      }),
    ).rejects.toThrow(/check constraint/);
    const rows = (await dataSource.query('SELECT n FROM counter ORDER BY id')) as { n: number }[];
    expect(rows.map((r) => r.n)).toEqual([before, 99]);
    // Every pooled connection is idle (not left inside a transaction).
    const states = (await dataSource.query(
      'SELECT state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    )) as { state: string }[];
    expect(states.every((s) => s.state === 'idle')).toBe(true);
  });

  it('holds the lock from open to close: a second writer waits on it, then sees the commit', async () => {
    const before = await count();
    let locked!: () => void;
    const firstLocked = new Promise<void>((resolve) => (locked = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = inTransaction(dataSource, noEvents, async (tx) => {
      await tx.read(lockRow, [1]);
      locked();
      await held;
      await tx.close(bump);
    });
    await firstLocked;
    const second = inTransaction(dataSource, noEvents, async (tx) => {
      const [row] = await tx.read<{ n: number }>(lockRow, [1]);
      await tx.close(bump);
      return row.n;
    });
    // PostgreSQL itself says the second writer is waiting for the first one's row lock.
    await waitUntil(
      async () =>
        (
          (await dataSource.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )) as unknown[]
        ).length === 1,
      'the second writer to wait for the lock',
    );
    release();
    await first;
    expect(await second).toBe(before + 1);
    expect(await count()).toBe(before + 2);
  });
  it('fails the write whose connection is cut, and the pool goes on with a new one', async () => {
    const before = await count();
    const backendPid = prepared('test_backend_pid', 'SELECT pg_backend_pid() AS pid');
    await expect(
      inTransaction(dataSource, noEvents, async (tx) => {
        const [{ pid }] = await tx.read<{ pid: number }>(backendPid, []);
        await dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
        return tx.close(bump);
      }),
    ).rejects.toThrow();
    expect(await count()).toBe(before);
    await inTransaction(dataSource, noEvents, async (tx) => {
      await tx.read(lockRow, [1]);
      await tx.close(bump);
    });
    expect(await count()).toBe(before + 1);
  });

  it('runs ORM work in the same transaction: committed once it returns, published afterwards', async () => {
    published.length = 0;
    const before = await count();
    await inTransaction(dataSource, bus, async (tx, pending) => {
      await tx.query(bump.text, bump.values);
      pending.add('bumped by the manager');
      expect(published).toEqual([]);
    });
    expect(await count()).toBe(before + 1);
    expect(published).toEqual([['bumped by the manager']]);
  });

  it('rolls back ORM work that throws, together with what `open` sent after it', async () => {
    const before = await count();
    await expect(
      inTransaction(dataSource, noEvents, async (tx) => {
        await tx.query(bump.text, bump.values);
        await tx.read(lockRow, [1]);
        throw new Error('denied');
      }),
    ).rejects.toThrow('denied');
    expect(await count()).toBe(before);
    const states = (await dataSource.query(
      'SELECT state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    )) as { state: string }[];
    expect(states.every((s) => s.state === 'idle')).toBe(true);
  });
  it('begins before a statement sent on the connection the manager hands out', async () => {
    const before = await count();
    await expect(
      inTransaction(dataSource, noEvents, async (tx) => {
        const client = (await tx.queryRunner!.connect()) as PoolClient;
        await client.query(bump.text, bump.values);
        throw new Error('denied');
      }),
    ).rejects.toThrow('denied');
    expect(await count()).toBe(before);
  });

  it('sends reads started together in one round trip, run in call order, answered each to its own', async () => {
    const before = await count();
    let answers: unknown;
    const counted = await roundTrips(() =>
      inTransaction(dataSource, noEvents, async (tx) => {
        // The second read sees the first one's change: the server ran them in call order.
        answers = await allInOrder([
          tx.read<{ n: number }>(bump.text, [1]),
          tx.read<{ n: number }>('SELECT n FROM counter WHERE id = $1', [1]),
        ]);
        return tx.close({ text: 'SELECT 1', values: [] });
      }),
    );
    expect(answers).toEqual([[{ n: before + 1 }], [{ n: before + 1 }]]);
    expect(counted.statements).toEqual([
      'BEGIN',
      bump.text,
      'SELECT n FROM counter WHERE id = $1',
      'SELECT 1',
      'COMMIT',
    ]);
    expect(counted.roundTrips).toBe(2);
    expect(await count()).toBe(before + 1);
  });

  it('costs no round trip for a deferred write, and commits it', async () => {
    const before = await count();
    const counted = await roundTrips(() =>
      inTransaction(dataSource, noEvents, async (tx) => {
        await tx.read(lockRow, [1]);
        tx.defer(bump);
        tx.defer(bump);
      }),
    );
    // BEGIN and the lock; the two writes and COMMIT.
    expect(counted.statements).toHaveLength(5);
    expect(counted.roundTrips).toBe(2);
    expect(await count()).toBe(before + 2);
  });

  it('fails the work with a deferred write’s own error, keeps nothing and publishes nothing', async () => {
    published.length = 0;
    const before = await count();
    // The work returns normally: only the COMMIT (answered as a rollback) reveals the failure.
    const quiet = inTransaction(dataSource, bus, async (tx, pending) => {
      tx.defer(bump);
      tx.defer({ text: bump.text, values: [2] });
      pending.add('never');
    });
    await expect(quiet).rejects.toMatchObject({ driverError: { code: '23514' } });
    // A read after the failed write fails as "transaction aborted"; the cause is reported.
    const reading = inTransaction(dataSource, bus, async (tx) => {
      tx.defer({ text: bump.text, values: [2] });
      await tx.read(lockRow, [1]);
    });
    await expect(reading).rejects.toMatchObject({ driverError: { code: '23514' } });
    expect(published).toEqual([]);
    const rows = (await dataSource.query('SELECT n FROM counter ORDER BY id')) as { n: number }[];
    expect(rows.map((r) => r.n)).toEqual([before, 99]);
  });

  it('hands the connection back to the pool in its ordinary mode, whatever the outcome', async () => {
    const pool = poolOf(dataSource);
    const seen: boolean[] = [];
    const onRelease = (_error: unknown, client: PoolClient) => seen.push(pipelineOf(client));
    pool.on('release', onRelease);
    try {
      await inTransaction(dataSource, noEvents, async (tx) => {
        await tx.read(lockRow, [1]);
        tx.defer(bump);
      });
      await expect(
        inTransaction(dataSource, noEvents, async (tx) => {
          tx.defer({ text: bump.text, values: [2] });
          await tx.read(lockRow, [1]);
        }),
      ).rejects.toThrow(/check constraint/);
    } finally {
      pool.off('release', onRelease);
    }
    expect(seen).toEqual([false, false]);
  });

  it('fails reads sent together as the first of them in call order failed', async () => {
    const refusal = () => {
      let refuse!: (error: Error) => void;
      const promise = new Promise<never>((_, reject) => (refuse = reject));
      return { promise, refuse };
    };
    const [first, second] = [refusal(), refusal()];
    const outcome = allInOrder([first.promise, second.promise]);
    // The later one fails first; the earlier one's refusal is still the one reported.
    second.refuse(new Error('second'));
    await Promise.resolve();
    first.refuse(new Error('first'));
    await expect(outcome).rejects.toThrow('first');
    await expect(allInOrder([Promise.resolve(1), Promise.resolve('two')])).resolves.toEqual([
      1,
      'two',
    ]);
  });
});

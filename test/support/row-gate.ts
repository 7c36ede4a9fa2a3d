import { Client } from 'pg';
import type { TestApp } from './test-app';
import { waitUntil } from './wait-until';

/** A row lock a test holds on its own connection, to line requests up behind it. */
export interface RowGate {
  /** Commits the holding transaction: the requests queued behind the row go on. Idempotent. */
  release(): Promise<void>;
}

/** Opens a transaction of its own, takes `lock` in it, and keeps it until `release`. */
async function holdLock(
  databaseUrl: string,
  lock: (client: Client) => Promise<void>,
): Promise<RowGate> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await lock(client);
  let released: Promise<void> | undefined;
  return {
    release: () =>
      (released ??= client.query('COMMIT').then(
        () => client.end(),
        (error: unknown) => client.end().then(() => Promise.reject(error)),
      )),
  };
}

/**
 * Locks one row FOR UPDATE in a transaction of its own and keeps it until `release`: requests
 * sent meanwhile queue on the row (and on what they took before it) in the order they reach it.
 */
export const holdRow = (databaseUrl: string, table: 'users' | 'teams', id: string) =>
  holdLock(databaseUrl, async (client) => {
    const { rowCount } = await client.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
    if (rowCount !== 1) throw new Error(`no ${table} row ${id} to hold`);
  });

/** Backends of the database waiting for a lock (one per request queued behind a gate). */
export async function lockWaiters(app: TestApp): Promise<number> {
  const [row] = await app.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return row.n;
}

/** Resolves once `count` requests are queued on locks: the signal that they are in place. */
export const untilLockWaiters = (app: TestApp, count: number): Promise<void> =>
  waitUntil(
    async () => (await lockWaiters(app)) >= count,
    `${count} requests waiting on locks`,
    30_000,
  );

/**
 * Locks a whole table ACCESS EXCLUSIVE in a transaction of its own until `release`: even plain
 * reads of it wait, so an operation can be held in the middle of its execution.
 */
export const holdTable = (databaseUrl: string, table: 'items' | 'users') =>
  holdLock(databaseUrl, async (client) => {
    await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  });

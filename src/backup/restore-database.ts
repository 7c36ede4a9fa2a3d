import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createDataSource } from '../../ormconfig';
import { refuse } from './backup-errors';
import type { StoredBackup } from './backup-store';
import type { KeyRing } from './key-ring';
import { partsOf, unsealManifest, type ManifestPart, type ManifestTable } from './manifest';
import { runOnEach } from './parallel-jobs';
import { checkParts, HashingTap, openPart, RowDigest } from './part-io';
import { openBackupSession } from './pg-session';
import { partMeters, type TableMeter, type TableProgress } from './progress';
import { columnList, quoteIdent } from './table-catalog';

export interface RestoreResult {
  id: string;
  /** `rowDigest` (when asked for): the rows loaded, in any order; see RowDigest. */
  tables: { name: string; rows: number; rowDigest?: string }[];
  seconds: number;
}

/**
 * Refuses unless the manifest is authentic and every part matches it; returns the key that
 * opens the parts (undefined when the backup is not encrypted).
 */
export async function checkBackup(
  backup: StoredBackup,
  keys: KeyRing,
  jobs = 2,
): Promise<Buffer | undefined> {
  const key = unsealManifest(backup.manifest, keys);
  await checkParts(backup, jobs);
  return key;
}

async function assertEmpty(client: Client, tables: string[]): Promise<void> {
  const { rows } = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name = ANY($1)`,
    [tables],
  );
  for (const { table_name } of rows) {
    const { rowCount } = await client.query(`SELECT 1 FROM ${quoteIdent(table_name)} LIMIT 1`);
    if (rowCount) {
      throw refuse(
        `the target database is not empty (table ${table_name} has rows); restore needs an empty database`,
      );
    }
  }
}

/**
 * Drops the keys, unique constraints, foreign keys and plain indexes of `tables` and returns the
 * statements that put them back. Loading first and building each index once afterwards (as
 * pg_restore does) is several times faster than maintaining them row by row; it all happens
 * inside the restore's transaction, so a failure leaves the schema as it was, and every
 * constraint is checked against the whole data when it comes back.
 */
interface Rebuild {
  table: string;
  statement: string;
  /** Run last, on one session: foreign keys and re-enabled triggers. */
  foreignKey: boolean;
}

async function setAsideConstraints(client: Client, tables: string[]): Promise<Rebuild[]> {
  const { rows: constraints } = await client.query<{
    tbl: string;
    relname: string;
    name: string;
    def: string;
    type: 'p' | 'u' | 'f';
  }>(
    `SELECT con.conrelid::regclass::text AS tbl, c.relname, con.conname AS name,
            pg_get_constraintdef(con.oid) AS def, con.contype AS type
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE con.contype IN ('p', 'u', 'f') AND n.nspname = current_schema() AND c.relname = ANY($1)
      ORDER BY con.contype = 'f' DESC, con.conname`,
    [tables],
  );
  const { rows: indexes } = await client.query<{ relname: string; name: string; def: string }>(
    `SELECT c.relname, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relname = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    [tables],
  );
  // Foreign keys first (they depend on the keys they point at), then keys, then indexes.
  for (const con of constraints)
    await client.query(`ALTER TABLE ${con.tbl} DROP CONSTRAINT ${quoteIdent(con.name)}`);
  for (const index of indexes) await client.query(`DROP INDEX ${quoteIdent(index.name)}`);
  // Tables load in separate transactions: checks that span tables (e.g. a team has its owner)
  // would fire before the other table is there. Like pg_restore, which creates triggers after
  // the data, they are off for the load; the data is a consistent snapshot of the same schema.
  for (const table of tables)
    await client.query(`ALTER TABLE ${quoteIdent(table)} DISABLE TRIGGER USER`);
  const add = (con: (typeof constraints)[number]): Rebuild => ({
    table: con.relname,
    statement: `ALTER TABLE ${con.tbl} ADD CONSTRAINT ${quoteIdent(con.name)} ${con.def}`,
    foreignKey: con.type === 'f',
  });
  return [
    ...constraints.filter((c) => c.type !== 'f').map(add),
    ...indexes.map((index) => ({ table: index.relname, statement: index.def, foreignKey: false })),
    ...constraints.filter((c) => c.type === 'f').map(add),
    ...tables.map((table) => ({
      table,
      statement: `ALTER TABLE ${quoteIdent(table)} ENABLE TRIGGER USER`,
      foreignKey: true,
    })),
  ];
}

/** One part of a table to load (formats 1 and 2: the table's only part). */
interface PartLoad {
  table: ManifestTable;
  index: number;
  part: ManifestPart;
  meter: TableMeter | undefined;
  digest: RowDigest | undefined;
}

/** Loads one part in its own transaction, checking its row count and data checksum. */
async function loadPart(
  session: Client,
  backup: StoredBackup,
  load: PartLoad,
  key: Buffer | undefined,
): Promise<number> {
  const { table, index, part, meter, digest } = load;
  const tap = new HashingTap();
  await session.query('BEGIN');
  const sink = session.query(
    copyFrom(`COPY ${quoteIdent(table.name)} (${columnList(table.columns)}) FROM STDIN`),
  );
  if (meter) tap.onChunk = () => meter.advance(sink.rowCount, tap.bytes);
  const stages = [openPart(backup, table, key, index), tap, ...(digest ? [digest.tap()] : [])];
  await pipeline([...stages, sink] as never);
  if (sink.rowCount !== part.rows || tap.hex() !== part.dataSha256) {
    await session.query('ROLLBACK');
    const what = 'parts' in table && table.parts.length > 1 ? ` part ${part.file}` : '';
    throw refuse(
      `backup ${backup.manifest.id}: table ${table.name}${what} restored ${sink.rowCount} rows, the manifest says ${part.rows}` +
        (tap.hex() !== part.dataSha256 ? ' and its checksum differs' : ''),
    );
  }
  await session.query('COMMIT');
  meter?.done(sink.rowCount, tap.bytes);
  return sink.rowCount;
}

/** After a failure: the target as it was found, empty with its whole schema. */
async function emptyAgain(targetUrl: string, tables: string[], missing: Rebuild[]): Promise<void> {
  const client = await openBackupSession(targetUrl);
  try {
    await client.query('BEGIN');
    await client.query(`TRUNCATE ${tables.map(quoteIdent).join(', ')}`);
    for (const { statement } of missing) await client.query(statement);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/**
 * Restores a whole backup into an empty database: checks the backup, brings the target's
 * schema up with the migrations, sets the keys, constraints and indexes aside, loads the parts
 * with COPY … FROM STDIN on `jobs` sessions at once, the parts of one large table side by side
 * (each part in its own transaction, its row count and data checksum checked; each table's row
 * count checked once its parts are in), then builds the keys and indexes (tables in parallel) and
 * the foreign keys, which validates every reference against the whole data, and analyzes the
 * tables for the planner. Any failure empties the target again, with its schema whole.
 */
export async function restoreDatabase(
  backup: StoredBackup,
  keys: KeyRing,
  targetUrl: string,
  progress?: TableProgress,
  jobs = 2,
  options: { rowDigests?: boolean } = {},
): Promise<RestoreResult> {
  const started = Date.now();
  const { manifest } = backup;
  const names = manifest.tables.map((t) => t.name);
  const key = await checkBackup(backup, keys, jobs);
  const digests = new Map<string, RowDigest>();

  const probe = await openBackupSession(targetUrl);
  try {
    await assertEmpty(probe, names);
  } finally {
    await probe.end();
  }
  const dataSource = createDataSource({ url: targetUrl, poolSize: 1 });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const applied: { name: string }[] = await dataSource.query('SELECT name FROM migrations');
    if (!applied.some((m) => m.name === manifest.migration.name)) {
      throw refuse(
        `backup ${manifest.id} was taken at schema ${manifest.migration.name}, which this version does not know`,
      );
    }
  } finally {
    await dataSource.destroy();
  }

  const sessions: Client[] = [];
  let pending: Rebuild[] = [];
  // Set once the target is ours to empty again: never before it was found empty.
  let loading = false;
  try {
    for (let i = 0; i < Math.max(1, Math.min(jobs, names.length)); i++)
      sessions.push(await openBackupSession(targetUrl));
    const [main] = sessions;
    await main.query('BEGIN');
    await main.query('LOCK TABLE ' + names.map(quoteIdent).join(', ') + ' IN EXCLUSIVE MODE');
    await assertEmpty(main, names);
    pending = await setAsideConstraints(main, names);
    await main.query('COMMIT');
    loading = true;
    // Index builds sort in memory rather than on disk.
    for (const session of sessions) await session.query(`SET maintenance_work_mem = '256MB'`);

    // Every part on its own session and transaction, the largest first: the parts of one
    // large table load side by side.
    const rows = new Map<string, number>(names.map((name) => [name, 0]));
    const queue: PartLoad[] = manifest.tables
      .flatMap((table) => {
        const parts = partsOf(table);
        const meters = partMeters(progress, table.name, table.rows, parts.length);
        const digest = options.rowDigests ? new RowDigest() : undefined;
        if (digest) digests.set(table.name, digest);
        return parts.map((part, index) => ({ table, index, part, meter: meters(index), digest }));
      })
      .sort((a, b) => b.part.bytes - a.part.bytes);
    await runOnEach(sessions, async (session, stop) => {
      for (let load = queue.shift(); load; load = queue.shift()) {
        stop.throwIfAborted();
        const loaded = await loadPart(session, backup, load, key);
        rows.set(load.table.name, rows.get(load.table.name)! + loaded);
      }
    });
    // Each table whole: its parts add up to the manifest's row count.
    for (const table of manifest.tables) {
      if (rows.get(table.name) !== table.rows) {
        throw refuse(
          `backup ${manifest.id}: table ${table.name} restored ${rows.get(table.name)} rows, the manifest says ${table.rows}`,
        );
      }
    }

    // Keys and indexes: one table's statements on one session, tables side by side.
    const byTable = [...new Set(pending.filter((r) => !r.foreignKey).map((r) => r.table))];
    await runOnEach(sessions, async (session, stop) => {
      for (let table = byTable.shift(); table; table = byTable.shift()) {
        for (const rebuild of pending.filter((r) => r.table === table && !r.foreignKey)) {
          stop.throwIfAborted();
          await session.query(rebuild.statement);
          pending = pending.filter((r) => r !== rebuild);
        }
      }
    });
    // Every foreign key is validated here, against the whole restored data.
    for (const rebuild of [...pending]) {
      await main.query(rebuild.statement);
      pending = pending.filter((r) => r !== rebuild);
    }
    // Planner statistics, tables side by side: the restored database plans its statements
    // from what it holds at once, not from empty tables until autovacuum gets to them.
    const unanalyzed = [...names];
    await runOnEach(sessions, async (session, stop) => {
      for (let table = unanalyzed.shift(); table; table = unanalyzed.shift()) {
        stop.throwIfAborted();
        await session.query(`ANALYZE ${quoteIdent(table)}`);
      }
    });
    return {
      id: manifest.id,
      tables: manifest.tables.map((t) => ({
        name: t.name,
        rows: rows.get(t.name)!,
        ...(digests.has(t.name) ? { rowDigest: digests.get(t.name)!.hex() } : {}),
      })),
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
    sessions.length = 0;
    if (loading) await emptyAgain(targetUrl, names, pending);
    throw error;
  } finally {
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
  }
}

import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createDataSource } from '../../ormconfig';
import { refuse } from './backup-errors';
import type { StoredBackup } from './backup-store';
import type { KeyRing } from './key-ring';
import { unsealManifest } from './manifest';
import { checkParts, HashingTap, openPart } from './part-io';
import { openBackupSession } from './pg-session';
import type { TableProgress } from './progress';
import { columnList, quoteIdent } from './table-catalog';

export interface RestoreResult {
  id: string;
  tables: { name: string; rows: number }[];
  seconds: number;
}

/**
 * Refuses unless the manifest is authentic and every part matches it; returns the key that
 * opens the parts (undefined when the backup is not encrypted).
 */
export async function checkBackup(
  backup: StoredBackup,
  keys: KeyRing,
): Promise<Buffer | undefined> {
  const key = unsealManifest(backup.manifest, keys);
  await checkParts(backup);
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
 * Drops the foreign keys and plain indexes of `tables` and returns the statements that put them
 * back. Loading first and building them once afterwards (as pg_restore does) is several times
 * faster than checking and indexing row by row; it all happens inside the restore's
 * transaction, so a failure leaves the schema as it was.
 */
async function setAsideConstraints(client: Client, tables: string[]): Promise<string[]> {
  const { rows: fks } = await client.query<{ tbl: string; name: string; def: string }>(
    `SELECT con.conrelid::regclass::text AS tbl, con.conname AS name, pg_get_constraintdef(con.oid) AS def
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE con.contype = 'f' AND n.nspname = current_schema() AND c.relname = ANY($1)`,
    [tables],
  );
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relname = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    [tables],
  );
  for (const fk of fks)
    await client.query(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT ${quoteIdent(fk.name)}`);
  for (const index of indexes) await client.query(`DROP INDEX ${quoteIdent(index.name)}`);
  return [
    ...indexes.map((index) => index.def),
    ...fks.map((fk) => `ALTER TABLE ${fk.tbl} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.def}`),
  ];
}

/**
 * Restores a whole backup into an empty database: checks the backup, brings the target's
 * schema up with the migrations, then loads every table with COPY … FROM STDIN in foreign-key
 * order inside one transaction, checking row counts and data checksums as it goes. Any
 * mismatch rolls everything back.
 */
export async function restoreDatabase(
  backup: StoredBackup,
  keys: KeyRing,
  targetUrl: string,
  progress?: TableProgress,
): Promise<RestoreResult> {
  const started = Date.now();
  const { manifest } = backup;
  const key = await checkBackup(backup, keys);

  const probe = await openBackupSession(targetUrl);
  try {
    await assertEmpty(
      probe,
      manifest.tables.map((t) => t.name),
    );
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

  const client = await openBackupSession(targetUrl);
  try {
    await client.query('BEGIN');
    await assertEmpty(
      client,
      manifest.tables.map((t) => t.name),
    );
    const restoreConstraints = await setAsideConstraints(
      client,
      manifest.tables.map((t) => t.name),
    );
    const tables: RestoreResult['tables'] = [];
    for (const table of manifest.tables) {
      const tap = new HashingTap();
      const meter = progress?.start(table.name, table.rows);
      const sink = client.query(
        copyFrom(`COPY ${quoteIdent(table.name)} (${columnList(table.columns)}) FROM STDIN`),
      );
      if (meter) tap.onChunk = () => meter.advance(sink.rowCount, tap.bytes);
      await pipeline(openPart(backup, table, key), tap, sink);
      meter?.done(sink.rowCount, tap.bytes);
      if (sink.rowCount !== table.rows || tap.hex() !== table.dataSha256) {
        throw refuse(
          `backup ${manifest.id}: table ${table.name} restored ${sink.rowCount} rows, the manifest says ${table.rows}` +
            (tap.hex() !== table.dataSha256 ? ' and its checksum differs' : ''),
        );
      }
      tables.push({ name: table.name, rows: sink.rowCount });
    }
    // Every foreign key is validated here, against the whole restored data.
    for (const statement of restoreConstraints) await client.query(statement);
    await client.query('COMMIT');
    return { id: manifest.id, tables, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

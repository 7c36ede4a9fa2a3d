import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { BackupStore, BackupWrite } from './backup-store';
import { readDatabaseIdentity } from './database-identity';
import { createEncryptStream } from './encryption';
import { keyFingerprint } from './key-ring';
import {
  MANIFEST_FORMAT,
  newBackupId,
  serializeManifest,
  type BackupManifest,
  type ManifestTable,
} from './manifest';
import { runOnEach } from './parallel-jobs';
import { HashingTap, partAad, Rechunk } from './part-io';
import { latestMigration, openBackupSession } from './pg-session';
import type { TableProgress } from './progress';
import { heapCopyTo, readTableCatalog, type CatalogTable } from './table-catalog';
import type { Tier } from './tiers';
import { SpanAttribute } from '../tracing/span-attributes';
import { withSpan } from '../tracing/with-span';

export interface SnapshotOptions {
  /** The session holding the backup lock; it exports the snapshot the other jobs share. */
  client: Client;
  /** For the extra sessions when `jobs` > 1. */
  databaseUrl: string;
  jobs: number;
  store: BackupStore;
  key: Buffer | undefined;
  tiers: Tier[];
  now: () => Date;
  signal?: AbortSignal;
  progress?: TableProgress;
}

/** gzip level: 6 is zlib's default and pg_dump's. */
const GZIP_LEVEL = 6;

interface Estimate {
  bytes: number;
  rows: number;
}

/** The planner's idea of each table's size: for scheduling and progress, never for checks. */
async function estimates(client: Client): Promise<Map<string, Estimate>> {
  const { rows } = await client.query<{ name: string; bytes: string; rows: string }>(
    `SELECT c.relname AS name, pg_table_size(c.oid)::bigint AS bytes,
            greatest(c.reltuples, 0)::bigint AS rows
       FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'`,
  );
  return new Map(rows.map((r) => [r.name, { bytes: Number(r.bytes), rows: Number(r.rows) }]));
}

/** Sessions that see exactly what `client` sees: its exported snapshot. */
async function joinSnapshot(url: string, snapshot: string, count: number): Promise<Client[]> {
  const sessions: Client[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const session = await openBackupSession(url);
      sessions.push(session);
      await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await session.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
    }
    return sessions;
  } catch (error) {
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
    throw error;
  }
}

/** One table: COPY → gzip → (AES-256-GCM) → the store, streaming, hashed on the way. */
async function copyTable(
  session: Client,
  table: CatalogTable,
  options: SnapshotOptions & {
    id: string;
    write: BackupWrite;
    estimate?: Estimate;
    stop: AbortSignal;
  },
): Promise<ManifestTable> {
  const { key, id, write, stop } = options;
  const file = `${table.name}.copy.gz${key ? '.enc' : ''}`;
  const local = new AbortController();
  const abort = () => local.abort(stop.reason);
  stop.addEventListener('abort', abort, { once: true });
  try {
    const source = session.query(copyTo(heapCopyTo(table)));
    const data = new HashingTap();
    const stored = new HashingTap();
    const body = new PassThrough();
    const meter = options.progress?.start(table.name, options.estimate?.rows ?? 0);
    if (meter) data.onChunk = () => meter.advance(source.rowCount, data.bytes);
    const stages: NodeJS.ReadWriteStream[] = [
      new Rechunk(),
      data,
      createGzip({ level: GZIP_LEVEL }),
    ];
    if (key) stages.push(createEncryptStream(key, partAad(id, table.name)));
    const upload = write.writePart(file, body).catch((error: unknown) => {
      // The store gave up: stop reading from the database too.
      local.abort(error);
      throw error;
    });
    await Promise.all([
      pipeline([source, ...stages, stored, body] as never, { signal: local.signal }),
      upload,
    ]);
    const entry: ManifestTable = {
      ...table,
      rows: source.rowCount,
      file,
      bytes: stored.bytes,
      sha256: stored.hex(),
      dataSha256: data.hex(),
    };
    meter?.done(entry.rows, data.bytes);
    return entry;
  } finally {
    stop.removeEventListener('abort', abort);
  }
}

/**
 * Writes one consistent snapshot: every application table is read with COPY … TO STDOUT inside
 * REPEATABLE READ READ ONLY transactions that share one snapshot (`pg_export_snapshot`), up to
 * `jobs` tables at once on their own sessions, so compression and encryption use every core.
 * Parts go to the store first and the manifest last: a failed run leaves nothing that looks
 * like a backup (and removes what it wrote).
 */
export async function writeSnapshot(options: SnapshotOptions): Promise<BackupManifest> {
  const { client, store, key, tiers, signal } = options;
  const createdAt = options.now();
  const id = newBackupId(createdAt);
  const write = await store.begin(id);
  let helpers: Client[] = [];
  let inTransaction = false;
  let copying = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    inTransaction = true;
    const { migration, identity, catalog, sizes } = await withSpan(
      'backup.prepare',
      {},
      async () => {
        const read = {
          migration: await latestMigration(client),
          identity: await readDatabaseIdentity(client),
          catalog: await readTableCatalog(client),
          sizes: await estimates(client),
        };
        const jobs = Math.max(1, Math.min(options.jobs, read.catalog.length));
        if (jobs > 1) {
          const { rows } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
          helpers = await joinSnapshot(options.databaseUrl, rows[0].id, jobs - 1);
        }
        return read;
      },
    );
    // Largest first, so the jobs finish together; the manifest keeps foreign-key order.
    const queue = [...catalog].sort(
      (a, b) => (sizes.get(b.name)?.bytes ?? 0) - (sizes.get(a.name)?.bytes ?? 0),
    );
    const done = new Map<string, ManifestTable>();
    copying = true;
    // The first failure stops every job; nothing is removed until they have all stopped.
    await withSpan(
      'backup.copy',
      { attributes: () => ({ [SpanAttribute.backupTables]: catalog.length }) },
      () =>
        runOnEach(
          [client, ...helpers],
          async (session, stop) => {
            for (let table = queue.shift(); table; table = queue.shift()) {
              stop.throwIfAborted();
              const estimate = sizes.get(table.name);
              const current = table;
              done.set(
                table.name,
                await withSpan(
                  'backup.table',
                  { attributes: () => ({ 'db.collection.name': table.name }) },
                  () => copyTable(session, current, { ...options, id, write, estimate, stop }),
                ),
              );
            }
          },
          signal,
        ),
    );
    copying = false;
    await Promise.all([client, ...helpers].map((s) => s.query('COMMIT')));
    inTransaction = false;

    const tables = catalog.map((t) => done.get(t.name)!);
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      id,
      createdAt: createdAt.toISOString(),
      tiers: [...new Set(tiers)].sort(),
      migration,
      encrypted: Boolean(key),
      database: identity,
      ...(key ? { keyFingerprint: keyFingerprint(key) } : {}),
      tables,
      sizeBytes: tables.reduce((sum, t) => sum + t.bytes, 0),
    };
    signal?.throwIfAborted();
    await withSpan(
      'backup.commit',
      { attributes: () => ({ [SpanAttribute.backupBytes]: manifest.sizeBytes }) },
      () => write.commit(serializeManifest(manifest, key)),
    );
    return manifest;
  } catch (error) {
    await write.abort().catch(() => undefined);
    // A COPY cut short leaves a session unusable; ending it rolls back.
    if (inTransaction && !copying) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await Promise.all(helpers.map((s) => s.end().catch(() => undefined)));
  }
}

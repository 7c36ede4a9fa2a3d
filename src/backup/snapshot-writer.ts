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
  partsOf,
  serializeManifest,
  type BackupManifest,
  type ManifestPart,
  type ManifestTable,
} from './manifest';
import { runOnEach } from './parallel-jobs';
import { HashingTap, partAad, Rechunk } from './part-io';
import { latestMigration, openBackupSession } from './pg-session';
import { partMeters, type TableMeter, type TableProgress } from './progress';
import { heapCopyTo, heapRangeCopyTo, readTableCatalog, type CatalogTable } from './table-catalog';
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
  /** Pages per part of a large table (default: a sixteenth of the database, at least 32 MiB). */
  partPages?: number;
}

/** gzip level: 6 is zlib's default and pg_dump's. */
const GZIP_LEVEL = 6;

/** Tables smaller than this stay one part: 32 MiB of heap in 8 KiB pages. */
const MIN_PART_PAGES = 4096;
/** Parts aimed at over the whole database, so the jobs finish close together. */
const PARTS_PER_DATABASE = 16;

interface Estimate {
  bytes: number;
  rows: number;
  /** Heap pages when the snapshot was taken (main fork size / block size). */
  pages: number;
}

/** The planner's idea of each table's size: for scheduling and progress, never for checks. */
async function estimates(client: Client): Promise<Map<string, Estimate>> {
  const { rows } = await client.query<{ name: string; bytes: string; rows: string; pages: string }>(
    `SELECT c.relname AS name, pg_table_size(c.oid)::bigint AS bytes,
            greatest(c.reltuples, 0)::bigint AS rows,
            (pg_relation_size(c.oid, 'main') / current_setting('block_size')::bigint) AS pages
       FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'`,
  );
  return new Map(
    rows.map((r) => [
      r.name,
      { bytes: Number(r.bytes), rows: Number(r.rows), pages: Number(r.pages) },
    ]),
  );
}

/** One part to copy: pages [from, to) of a table (`to` undefined: to the end). */
interface PartPlan {
  table: CatalogTable;
  index: number;
  count: number;
  from: number;
  to: number | undefined;
  /** For scheduling: the larger parts first. */
  weight: number;
}

/**
 * Splits each table into consecutive page ranges of about `partPages` pages (a table no larger
 * than that is one part, read whole); the last range of a table is open-ended.
 */
function planParts(
  catalog: CatalogTable[],
  sizes: Map<string, Estimate>,
  partPages: number | undefined,
): PartPlan[] {
  const totalPages = [...sizes.values()].reduce((sum, e) => sum + e.pages, 0);
  const size = Math.max(
    1,
    Math.trunc(partPages ?? Math.max(MIN_PART_PAGES, Math.ceil(totalPages / PARTS_PER_DATABASE))),
  );
  return catalog.flatMap((table) => {
    const estimate = sizes.get(table.name);
    const pages = estimate?.pages ?? 0;
    const count = Math.max(1, Math.ceil(pages / size));
    const step = Math.ceil(pages / count);
    return Array.from({ length: count }, (_, index) => ({
      table,
      index,
      count,
      from: index * step,
      to: index === count - 1 ? undefined : (index + 1) * step,
      weight: (estimate?.bytes ?? 0) / count,
    }));
  });
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

/** One part: COPY → gzip → (AES-256-GCM) → the store, streaming, hashed on the way. */
async function copyPart(
  session: Client,
  plan: PartPlan,
  options: SnapshotOptions & {
    id: string;
    write: BackupWrite;
    meter: TableMeter | undefined;
    stop: AbortSignal;
  },
): Promise<ManifestPart> {
  const { key, id, write, stop, meter } = options;
  const { table, index, count } = plan;
  const file = `${table.name}${count > 1 ? `.${index + 1}` : ''}.copy.gz${key ? '.enc' : ''}`;
  const local = new AbortController();
  const abort = () => local.abort(stop.reason);
  stop.addEventListener('abort', abort, { once: true });
  try {
    const sql = count > 1 ? heapRangeCopyTo(table, plan.from, plan.to) : heapCopyTo(table);
    const source = session.query(copyTo(sql));
    const data = new HashingTap();
    const stored = new HashingTap();
    const body = new PassThrough();
    if (meter) data.onChunk = () => meter.advance(source.rowCount, data.bytes);
    const stages: NodeJS.ReadWriteStream[] = [
      new Rechunk(),
      data,
      createGzip({ level: GZIP_LEVEL }),
    ];
    if (key) stages.push(createEncryptStream(key, partAad(id, table.name, index)));
    const upload = write.writePart(file, body).catch((error: unknown) => {
      // The store gave up: stop reading from the database too.
      local.abort(error);
      throw error;
    });
    await Promise.all([
      pipeline([source, ...stages, stored, body] as never, { signal: local.signal }),
      upload,
    ]);
    const part: ManifestPart = {
      file,
      bytes: stored.bytes,
      sha256: stored.hex(),
      dataSha256: data.hex(),
      rows: source.rowCount,
    };
    meter?.done(part.rows, data.bytes);
    return part;
  } finally {
    stop.removeEventListener('abort', abort);
  }
}

/**
 * Writes one consistent snapshot: every application table is read with COPY … TO STDOUT inside
 * REPEATABLE READ READ ONLY transactions that share one snapshot (`pg_export_snapshot`), up to
 * `jobs` parts at once on their own sessions, so compression and encryption use every core: a
 * part is a table, or a page range of a large one (see planParts), so a large table is not left
 * to one job.
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
    const queue = planParts(catalog, sizes, options.partPages).sort((a, b) => b.weight - a.weight);
    const meters = new Map(
      catalog.map((t) => [
        t.name,
        partMeters(
          options.progress,
          t.name,
          sizes.get(t.name)?.rows ?? 0,
          queue.filter((p) => p.table === t).length,
        ),
      ]),
    );
    const done = new Map<PartPlan, ManifestPart>();
    copying = true;
    // The first failure stops every job; nothing is removed until they have all stopped.
    await withSpan(
      'backup.copy',
      { attributes: () => ({ [SpanAttribute.backupTables]: catalog.length }) },
      () =>
        runOnEach(
          [client, ...helpers],
          async (session, stop) => {
            for (let plan = queue.shift(); plan; plan = queue.shift()) {
              stop.throwIfAborted();
              const current = plan;
              const meter = meters.get(plan.table.name)?.(plan.index);
              done.set(
                plan,
                await withSpan(
                  'backup.table',
                  {
                    attributes: () => ({
                      'db.collection.name': current.table.name,
                      'teamgraph.backup.part': current.index + 1,
                    }),
                  },
                  () => copyPart(session, current, { ...options, id, write, meter, stop }),
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

    const tables: ManifestTable[] = catalog.map((table) => {
      const parts = [...done]
        .filter(([plan]) => plan.table === table)
        .sort(([a], [b]) => a.index - b.index)
        .map(([, part]) => part);
      return { ...table, rows: parts.reduce((sum, p) => sum + p.rows, 0), parts };
    });
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
      sizeBytes: tables.flatMap(partsOf).reduce((sum, p) => sum + p.bytes, 0),
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

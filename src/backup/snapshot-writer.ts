import { createWriteStream } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { BackupStorage } from './backup-storage';
import { createEncryptStream } from './encryption';
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  newBackupId,
  serializeManifest,
  type BackupManifest,
  type ManifestTable,
} from './manifest';
import { HashingTap, partAad, Rechunk, sha256OfFile } from './part-io';
import { latestMigration } from './pg-session';
import { canonicalCopyTo, readTableCatalog } from './table-catalog';
import type { Tier } from './tiers';

export interface SnapshotOptions {
  client: Client;
  storage: BackupStorage;
  key: Buffer | undefined;
  tiers: Tier[];
  now: () => Date;
  signal?: AbortSignal;
  /** Called after each table is written (progress logging). */
  onTable?: (table: ManifestTable) => void | Promise<void>;
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes one consistent snapshot: every application table is read inside a single
 * REPEATABLE READ READ ONLY transaction with COPY … TO STDOUT, streamed through gzip (and
 * AES-256-GCM when a key is set) into a temporary folder. Parts are re-read and checked
 * against their hashes, then the folder is renamed into place; on any failure it is deleted,
 * so a failed run leaves nothing that looks like a backup.
 */
export async function writeSnapshot(options: SnapshotOptions): Promise<BackupManifest> {
  const { client, storage, key, tiers, signal } = options;
  const createdAt = options.now();
  const id = newBackupId(createdAt);
  const tempDir = await storage.createTemp(id);
  let inTransaction = false;
  let copying = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    inTransaction = true;
    const migration = await latestMigration(client);
    const catalog = await readTableCatalog(client);
    const tables: ManifestTable[] = [];
    for (const table of catalog) {
      signal?.throwIfAborted();
      const file = `${table.name}.copy.gz${key ? '.enc' : ''}`;
      const source = client.query(copyTo(canonicalCopyTo(table)));
      const data = new HashingTap();
      const stored = new HashingTap();
      const stages: (NodeJS.ReadWriteStream | Writable)[] = [
        new Rechunk(),
        data,
        createGzip({ level: 6 }),
      ];
      if (key) stages.push(createEncryptStream(key, partAad(id, table.name)));
      const target = path.join(tempDir, file);
      copying = true;
      await pipeline(
        [source, ...stages, stored, createWriteStream(target, { mode: 0o600 })] as never,
        { signal },
      );
      copying = false;
      const entry: ManifestTable = {
        ...table,
        rows: source.rowCount,
        file,
        bytes: stored.bytes,
        sha256: stored.hex(),
        dataSha256: data.hex(),
      };
      tables.push(entry);
      await options.onTable?.(entry);
    }
    await client.query('COMMIT');
    inTransaction = false;

    // "Checked": what is on disk is what was hashed while writing.
    for (const table of tables) {
      const target = path.join(tempDir, table.file);
      await fsyncFile(target);
      const onDisk = await sha256OfFile(target);
      if (onDisk.sha256 !== table.sha256 || onDisk.bytes !== table.bytes) {
        throw new Error(`part ${table.file} does not read back as written`);
      }
    }
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      id,
      createdAt: createdAt.toISOString(),
      tiers: [...new Set(tiers)].sort(),
      migration,
      encrypted: Boolean(key),
      tables,
      sizeBytes: tables.reduce((sum, t) => sum + t.bytes, 0),
    };
    signal?.throwIfAborted();
    const manifestPath = path.join(tempDir, MANIFEST_FILE);
    await writeFile(manifestPath, serializeManifest(manifest, key), { mode: 0o600 });
    await fsyncFile(manifestPath);
    await storage.commit(tempDir, id);
    return manifest;
  } catch (error) {
    await storage.removeTemp(tempDir);
    // A COPY cut short leaves the session unusable; the caller ends it, which rolls back.
    if (inTransaction && !copying) {
      await client.query('ROLLBACK').catch(() => undefined);
    }
    throw error;
  }
}

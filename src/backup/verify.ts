import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { standaloneClient } from '../db/standalone-client';
import type { StoredBackup } from './backup-store';
import type { KeyRing } from './key-ring';
import { HashingTap, RowDigest } from './part-io';
import { openBackupSession } from './pg-session';
import type { TableProgress } from './progress';
import { restoreDatabase } from './restore-database';
import { canonicalCopyTo, heapCopyTo } from './table-catalog';

export interface VerifyReport {
  id: string;
  ok: boolean;
  /** The scratch database used (created and dropped by verify, unless one was given). */
  database: string;
  tables: { name: string; expectedRows: number; rows: number; checksumMatches: boolean }[];
  seconds: number;
}

/** A scratch database next to `serverUrl`'s, dropped after use. */
async function withScratchDatabase<T>(
  serverUrl: string,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const name = `teamgraph_verify_${randomBytes(6).toString('hex')}`;
  const admin = standaloneClient({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    try {
      return await work(url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * Proves a backup restores: refuses a tampered or truncated one (restore checks the manifest
 * signature, part hashes and GCM tags), restores it into a scratch database, then reads every
 * table back and compares its row count with the manifest and its data: formats 1 and 2 with the
 * manifest's checksum of the text in order, format 3 (parts loaded side by side) with a digest of
 * the rows restore loaded, in any order.
 */
export async function verifyBackup(
  backup: StoredBackup,
  keys: KeyRing,
  options: { serverUrl: string; scratchUrl?: string; progress?: TableProgress; jobs?: number },
): Promise<VerifyReport> {
  const started = Date.now();
  const run = async (url: string): Promise<VerifyReport> => {
    const { format } = backup.manifest;
    // Format 3 loads the parts of a table side by side, so the restored heap interleaves them:
    // each table is compared, in any order, with the rows restore loaded (every part of which
    // matched its SHA-256 in the manifest). Formats 1 and 2 compare the text in order.
    const restored = await restoreDatabase(backup, keys, url, options.progress, options.jobs, {
      rowDigests: format >= 3,
    });
    const client = await openBackupSession(url);
    try {
      // A scan joining another one mid-table would start there: read from the first block.
      await client.query('SET synchronize_seqscans = off');
      const tables: VerifyReport['tables'] = [];
      for (const table of backup.manifest.tables) {
        const source = client.query(
          copyTo(format === 1 ? canonicalCopyTo(table) : heapCopyTo(table)),
        );
        let checksumMatches: boolean;
        if ('parts' in table) {
          const digest = new RowDigest();
          await pipeline(source, digest.tap(), new PassThrough().resume());
          const loaded = restored.tables.find((t) => t.name === table.name);
          checksumMatches = digest.hex() === loaded?.rowDigest;
        } else {
          const tap = new HashingTap();
          await pipeline(source, tap, new PassThrough().resume());
          checksumMatches = tap.hex() === table.dataSha256;
        }
        tables.push({
          name: table.name,
          expectedRows: table.rows,
          rows: source.rowCount,
          checksumMatches,
        });
      }
      const ok = tables.every((t) => t.rows === t.expectedRows && t.checksumMatches);
      return {
        id: backup.manifest.id,
        ok,
        database: new URL(url).pathname.slice(1),
        tables,
        seconds: (Date.now() - started) / 1000,
      };
    } finally {
      await client.end();
    }
  };
  return options.scratchUrl ? run(options.scratchUrl) : withScratchDatabase(options.serverUrl, run);
}

import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { standaloneClient } from '../db/standalone-client';
import type { StoredBackup } from './backup-store';
import type { KeyRing } from './key-ring';
import { HashingTap } from './part-io';
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
 * table back and compares its row count and data checksum with the manifest.
 */
export async function verifyBackup(
  backup: StoredBackup,
  keys: KeyRing,
  options: { serverUrl: string; scratchUrl?: string; progress?: TableProgress; jobs?: number },
): Promise<VerifyReport> {
  const started = Date.now();
  const run = async (url: string): Promise<VerifyReport> => {
    await restoreDatabase(backup, keys, url, options.progress, options.jobs);
    const client = await openBackupSession(url);
    try {
      // A scan joining another one mid-table would start there: read from the first block.
      await client.query('SET synchronize_seqscans = off');
      const tables: VerifyReport['tables'] = [];
      for (const table of backup.manifest.tables) {
        const tap = new HashingTap();
        const source = client.query(
          copyTo(backup.manifest.format === 1 ? canonicalCopyTo(table) : heapCopyTo(table)),
        );
        await pipeline(source, tap, new PassThrough().resume());
        tables.push({
          name: table.name,
          expectedRows: table.rows,
          rows: source.rowCount,
          checksumMatches: tap.hex() === table.dataSha256,
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

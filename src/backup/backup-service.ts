import type { Client } from 'pg';
import type { Logger } from '../logging/logger';
import { lockBackups, unlockBackups } from './advisory-lock';
import { backupMetrics, noteBackupSuccess } from './backup-metrics';
import { BackupStorage, type StoredBackup } from './backup-storage';
import type { BackupManifest, ManifestTable } from './manifest';
import { openBackupSession } from './pg-session';
import { planPrune, type RetentionPolicy } from './retention';
import { writeSnapshot } from './snapshot-writer';
import type { Tier } from './tiers';

export interface BackupServiceOptions {
  databaseUrl: string;
  dir: string;
  key: Buffer | undefined;
  retention: RetentionPolicy;
  logger: Logger;
  now?: () => Date;
}

/** Unfinished writes older than this were abandoned by a crashed process. */
const ABANDONED_TEMP_MS = 6 * 3600 * 1000;

/**
 * Runs backups (one at a time across instances) and retention, with logs and metrics. The
 * scheduler and the CLI both go through it.
 */
export class BackupService {
  readonly storage: BackupStorage;
  readonly now: () => Date;
  readonly logger: Logger;

  constructor(readonly options: BackupServiceOptions) {
    this.storage = new BackupStorage(options.dir);
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger.child({ component: 'backup' });
  }

  get key(): Buffer | undefined {
    return this.options.key;
  }

  /**
   * Runs `work` holding the backup lock on a fresh session; undefined when another instance
   * holds it and `wait` is false.
   */
  async withLock<T>(
    wait: boolean,
    work: (client: Client) => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    const client = await openBackupSession(this.options.databaseUrl);
    try {
      if (!(await lockBackups(client, wait))) return undefined;
      const value = await work(client);
      await unlockBackups(client);
      return { value };
    } finally {
      // After a failure the session may be mid-COPY: ending it releases the lock and rolls back.
      await client.end();
    }
  }

  /** Takes one snapshot on a session that holds the lock; logs and records metrics. */
  async snapshot(
    client: Client,
    tiers: Tier[],
    options: {
      signal?: AbortSignal;
      onTable?: (table: ManifestTable) => void | Promise<void>;
    } = {},
  ): Promise<BackupManifest> {
    const started = Date.now();
    this.logger.info(
      { tiers, dir: this.options.dir, encrypted: Boolean(this.key) },
      'backup started',
    );
    try {
      const manifest = await writeSnapshot({
        client,
        storage: this.storage,
        key: this.key,
        tiers,
        now: this.now,
        signal: options.signal,
        onTable: async (table) => {
          this.logger.debug(
            { table: table.name, rows: table.rows, bytes: table.bytes },
            'backup table written',
          );
          await options.onTable?.(table);
        },
      });
      const seconds = (Date.now() - started) / 1000;
      backupMetrics.lastDuration.set(seconds);
      backupMetrics.lastSize.set(manifest.sizeBytes);
      noteBackupSuccess(new Date(manifest.createdAt));
      this.logger.info(
        {
          id: manifest.id,
          tiers: manifest.tiers,
          sizeBytes: manifest.sizeBytes,
          rows: Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows])),
          durationSeconds: seconds,
        },
        'backup finished',
      );
      return manifest;
    } catch (error) {
      backupMetrics.failures.inc();
      const durationSeconds = (Date.now() - started) / 1000;
      if (options.signal?.aborted)
        this.logger.warn({ tiers, durationSeconds }, 'backup aborted: shutting down');
      else this.logger.error({ err: error, tiers, durationSeconds }, 'backup failed');
      throw error;
    }
  }

  /** A backup now (waits for a running one to finish first). */
  async run(tiers: Tier[]): Promise<BackupManifest> {
    const result = await this.withLock(true, (client) => this.snapshot(client, tiers));
    return result!.value;
  }

  list(): Promise<StoredBackup[]> {
    return this.storage.list();
  }

  get(id: string): Promise<StoredBackup> {
    return this.storage.get(id);
  }

  /**
   * Applies retention. Needs no database, so it runs even when backups fail: expired backups
   * go, damaged entries go (nothing can vouch for their age), abandoned writes go.
   */
  async prune(): Promise<{ removed: { id: string; reason: string }[]; kept: string[] }> {
    const now = this.now();
    const scan = await this.storage.scan();
    const plan = planPrune(
      scan.backups.map(({ manifest }) => ({
        id: manifest.id,
        createdAt: new Date(manifest.createdAt),
        tiers: manifest.tiers,
      })),
      now,
      this.options.retention,
    );
    const removed = [...plan.remove];
    for (const entry of scan.invalid)
      removed.push({ id: entry.name, reason: `not a readable backup: ${entry.reason}` });
    for (const temp of scan.temps) {
      if (now.getTime() - temp.mtimeMs > ABANDONED_TEMP_MS)
        removed.push({ id: temp.name, reason: 'abandoned write' });
    }
    for (const entry of removed) {
      await this.storage.remove(entry.id);
      backupMetrics.pruned.inc();
      this.logger.info(entry, 'backup removed by retention');
    }
    return { removed, kept: plan.keep };
  }
}

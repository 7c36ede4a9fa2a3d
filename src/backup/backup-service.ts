import type { Client } from 'pg';
import type { Logger } from '../logging/logger';
import { lockBackups, unlockBackups } from './advisory-lock';
import { backupMetrics, noteBackupSuccess } from './backup-metrics';
import type { BackupStore, StoredBackup } from './backup-store';
import { identityKey, readDatabaseIdentity, type DatabaseIdentity } from './database-identity';
import type { KeyRing } from './key-ring';
import type { BackupManifest } from './manifest';
import { openBackupSession } from './pg-session';
import type { TableProgress } from './progress';
import { planPrune, type RetentionPolicy } from './retention';
import { writeSnapshot } from './snapshot-writer';
import type { Tier } from './tiers';
import { SpanAttribute } from '../tracing/span-attributes';
import { withSpan } from '../tracing/with-span';

export interface BackupServiceOptions {
  store: BackupStore;
  keys: KeyRing;
  retention: RetentionPolicy;
  logger: Logger;
  /** The database backed up. Retention needs none; everything per database does. */
  databaseUrl?: string;
  /** Tables (or parts of a large table) copied at once (default 2). */
  jobs?: number;
  /** Pages per part of a large table (default: see writeSnapshot); for tests and tuning. */
  partPages?: number;
  now?: () => Date;
}

/** Unfinished writes older than this were abandoned by a crashed process. */
const ABANDONED_WRITE_MS = 6 * 3600 * 1000;

/**
 * Runs backups (one at a time across instances) and retention, with logs and metrics. The
 * scheduler and the CLI both go through it. Backups are bound to their database: `list` and
 * everything built on it (status, catch-up) only ever see this database's backups.
 */
export class BackupService {
  readonly store: BackupStore;
  readonly now: () => Date;
  readonly logger: Logger;
  private identityPromise: Promise<DatabaseIdentity> | undefined;

  constructor(readonly options: BackupServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger.child({ component: 'backup' });
  }

  get keys(): KeyRing {
    return this.options.keys;
  }

  private get databaseUrl(): string {
    if (!this.options.databaseUrl) throw new Error('this backup command needs a database');
    return this.options.databaseUrl;
  }

  /** The database this service backs up (system identifier and name), read once. */
  identity(): Promise<DatabaseIdentity> {
    this.identityPromise ??= (async () => {
      const client = await openBackupSession(this.databaseUrl);
      try {
        return await readDatabaseIdentity(client);
      } finally {
        await client.end();
      }
    })();
    this.identityPromise.catch(() => (this.identityPromise = undefined));
    return this.identityPromise;
  }

  /**
   * Runs `work` holding the backup lock on a fresh session; undefined when another instance
   * holds it and `wait` is false.
   */
  async withLock<T>(
    wait: boolean,
    work: (client: Client) => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    const client = await openBackupSession(this.databaseUrl);
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

  /**
   * Takes one snapshot on a session that holds the lock; logs and records metrics. Traced as
   * `backup.run`, with its phases (prepare, copy and each table, commit) as children.
   */
  snapshot(
    client: Client,
    tiers: Tier[],
    options: { signal?: AbortSignal; progress?: TableProgress } = {},
  ): Promise<BackupManifest> {
    return withSpan(
      'backup.run',
      { attributes: () => ({ [SpanAttribute.backupTiers]: [...tiers] }) },
      () => this.takeSnapshot(client, tiers, options),
    );
  }

  private async takeSnapshot(
    client: Client,
    tiers: Tier[],
    options: { signal?: AbortSignal; progress?: TableProgress },
  ): Promise<BackupManifest> {
    const started = Date.now();
    const key = this.keys.current;
    this.logger.info(
      { tiers, store: this.store.description, encrypted: Boolean(key) },
      'backup started',
    );
    try {
      const manifest = await writeSnapshot({
        client,
        databaseUrl: this.databaseUrl,
        jobs: this.options.jobs ?? 2,
        partPages: this.options.partPages,
        store: this.store,
        key,
        tiers,
        now: this.now,
        signal: options.signal,
        progress: options.progress,
      });
      const seconds = (Date.now() - started) / 1000;
      backupMetrics.lastDuration.set(seconds);
      backupMetrics.lastSize.set(manifest.sizeBytes);
      noteBackupSuccess(new Date(manifest.createdAt));
      this.logger.info(
        {
          id: manifest.id,
          tiers: manifest.tiers,
          database: manifest.database,
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
  async run(tiers: Tier[], progress?: TableProgress): Promise<BackupManifest> {
    const result = await this.withLock(true, (client) =>
      this.snapshot(client, tiers, { progress }),
    );
    return result!.value;
  }

  /** This database's complete backups, newest first; never another database's. */
  async list(): Promise<StoredBackup[]> {
    const mine = identityKey(await this.identity());
    return (await this.store.scan()).backups.filter(
      (b) => identityKey(b.manifest.database) === mine,
    );
  }

  /** Every complete backup in the store, whatever database it came from. */
  async listAll(): Promise<StoredBackup[]> {
    return (await this.store.scan()).backups;
  }

  get(id: string): Promise<StoredBackup> {
    return this.store.get(id);
  }

  /**
   * Applies retention. Needs no database, so it runs even when backups fail: keep counts apply
   * to each database's backups on their own, the maximum age to everything; damaged entries go
   * (nothing can vouch for their age), abandoned writes go.
   */
  prune(): Promise<{ removed: { id: string; reason: string }[]; kept: string[] }> {
    return withSpan('backup.prune', {}, () => this.pruneNow());
  }

  private async pruneNow(): Promise<{ removed: { id: string; reason: string }[]; kept: string[] }> {
    const now = this.now();
    const scan = await this.store.scan();
    const groups = new Map<string, StoredBackup[]>();
    for (const backup of scan.backups) {
      const key = identityKey(backup.manifest.database);
      groups.set(key, [...(groups.get(key) ?? []), backup]);
    }
    const removed: { id: string; reason: string }[] = [];
    const kept: string[] = [];
    for (const backups of groups.values()) {
      const plan = planPrune(
        backups.map(({ manifest, storedAtMs }) => ({
          id: manifest.id,
          createdAt: new Date(manifest.createdAt),
          storedAt: storedAtMs === undefined ? undefined : new Date(storedAtMs),
          tiers: manifest.tiers,
        })),
        now,
        this.options.retention,
      );
      removed.push(...plan.remove);
      kept.push(...plan.keep);
    }
    for (const entry of scan.invalid)
      removed.push({ id: entry.name, reason: `not a readable backup: ${entry.reason}` });
    for (const entry of scan.unfinished) {
      if (now.getTime() - entry.modifiedMs > ABANDONED_WRITE_MS)
        removed.push({ id: entry.name, reason: 'abandoned write' });
    }
    for (const entry of removed) {
      await this.store.remove(entry.id);
      backupMetrics.pruned.inc();
      this.logger.info(entry, 'backup removed by retention');
    }
    return { removed, kept };
  }
}

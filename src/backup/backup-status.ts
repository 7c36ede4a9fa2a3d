import { BACKUP_STALE_AFTER_MS } from './backup-metrics';
import type { StoredBackup } from './backup-store';
import type { DatabaseIdentity } from './database-identity';
import type { Tier } from './tiers';

export interface BackupStatus {
  /** The database whose backups these are: another database's never count. */
  database: DatabaseIdentity;
  count: number;
  newest: { id: string; createdAt: string; tiers: Tier[]; sizeBytes: number } | null;
  oldestCreatedAt: string | null;
  ageSeconds: number | null;
  /** True when there is no backup or the newest is older than 26 h: something to alert on. */
  stale: boolean;
  staleAfterSeconds: number;
}

/** What an operator (or an alert) needs to know about one database's backups. */
export function backupStatus(
  database: DatabaseIdentity,
  backups: StoredBackup[],
  now: Date,
): BackupStatus {
  const newest = backups[0]?.manifest;
  const ageMs = newest ? now.getTime() - new Date(newest.createdAt).getTime() : null;
  return {
    database,
    count: backups.length,
    newest: newest
      ? {
          id: newest.id,
          createdAt: newest.createdAt,
          tiers: newest.tiers,
          sizeBytes: newest.sizeBytes,
        }
      : null,
    oldestCreatedAt: backups.at(-1)?.manifest.createdAt ?? null,
    ageSeconds: ageMs === null ? null : Math.round(ageMs / 1000),
    stale: ageMs === null || ageMs > BACKUP_STALE_AFTER_MS,
    staleAfterSeconds: BACKUP_STALE_AFTER_MS / 1000,
  };
}

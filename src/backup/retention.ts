import { BACKUP_MAX_AGE_LIMIT_MS } from '../config/backup-config';
import { TIERS, type Tier } from './tiers';

export interface RetentionPolicy {
  keep: Record<Tier, number>;
  /** Never above 31 days, whatever the configuration says. */
  maxAgeMs: number;
}

export interface RetentionCandidate {
  id: string;
  createdAt: Date;
  /** When the store says it was written (S3): the older of the two ages counts. */
  storedAt?: Date;
  tiers: readonly Tier[];
}

export interface PrunePlan {
  keep: string[];
  remove: { id: string; reason: string }[];
}

/** Creation times this far in the future are not believed (a clock or a manifest is wrong). */
const FUTURE_TOLERANCE_MS = 24 * 3600 * 1000;

/**
 * Which backups survive, decided from manifest creation times only (never file mtimes): past the
 * maximum age a backup goes, whatever else holds; otherwise each tier keeps its newest `keep`
 * backups and a backup survives when any of its tiers keeps it.
 */
export function planPrune(
  backups: RetentionCandidate[],
  now: Date,
  policy: RetentionPolicy,
): PrunePlan {
  const maxAgeMs = Math.min(policy.maxAgeMs, BACKUP_MAX_AGE_LIMIT_MS);
  const remove = new Map<string, string>();
  const fresh: RetentionCandidate[] = [];
  for (const backup of backups) {
    const storedAge = backup.storedAt ? now.getTime() - backup.storedAt.getTime() : -Infinity;
    const age = now.getTime() - backup.createdAt.getTime();
    if (Number.isNaN(age)) remove.set(backup.id, 'no valid creation time');
    else if (age > maxAgeMs)
      remove.set(backup.id, `older than ${Math.round(maxAgeMs / 3600_000)} h`);
    else if (storedAge > maxAgeMs)
      remove.set(backup.id, `stored more than ${Math.round(maxAgeMs / 3600_000)} h ago`);
    else if (-age > FUTURE_TOLERANCE_MS) remove.set(backup.id, 'created in the future');
    else fresh.push(backup);
  }
  const kept = new Set<string>();
  const newestFirst = [...fresh].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  for (const tier of TIERS) {
    for (const backup of newestFirst
      .filter((b) => b.tiers.includes(tier))
      .slice(0, policy.keep[tier])) {
      kept.add(backup.id);
    }
  }
  for (const backup of fresh)
    if (!kept.has(backup.id)) remove.set(backup.id, 'beyond the keep count of its tiers');
  return {
    keep: newestFirst.filter((b) => kept.has(b.id)).map((b) => b.id),
    remove: [...remove].map(([id, reason]) => ({ id, reason })),
  };
}

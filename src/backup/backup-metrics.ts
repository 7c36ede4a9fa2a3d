import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../metrics/registry';

/** A backup older than this is stale: reported by `teamgraph backup status` and a metric. */
export const BACKUP_STALE_AFTER_MS = 26 * 3600 * 1000;

let lastSuccessMs: number | undefined;

export const backupMetrics = {
  lastSuccess: new Gauge({
    name: 'teamgraph_backup_last_success_timestamp_seconds',
    help: 'Creation time of the newest complete backup (Unix seconds).',
    registers: [metricsRegistry],
  }),
  lastDuration: new Gauge({
    name: 'teamgraph_backup_last_duration_seconds',
    help: 'How long the last successful backup took.',
    registers: [metricsRegistry],
  }),
  lastSize: new Gauge({
    name: 'teamgraph_backup_last_size_bytes',
    help: 'Stored size of the last successful backup.',
    registers: [metricsRegistry],
  }),
  failures: new Counter({
    name: 'teamgraph_backup_failures_total',
    help: 'Backup runs that failed.',
    registers: [metricsRegistry],
  }),
  pruned: new Counter({
    name: 'teamgraph_backup_pruned_total',
    help: 'Backups deleted by retention.',
    registers: [metricsRegistry],
  }),
  stale: new Gauge({
    name: 'teamgraph_backup_stale',
    help: '1 when the newest backup is older than 26 h (or none is known), else 0.',
    registers: [metricsRegistry],
    collect() {
      this.set(
        lastSuccessMs === undefined || Date.now() - lastSuccessMs > BACKUP_STALE_AFTER_MS ? 1 : 0,
      );
    },
  }),
};

/** Records the newest known backup (after a run, or found on disk at start). */
export function noteBackupSuccess(createdAt: Date): void {
  if (lastSuccessMs !== undefined && lastSuccessMs >= createdAt.getTime()) return;
  lastSuccessMs = createdAt.getTime();
  backupMetrics.lastSuccess.set(lastSuccessMs / 1000);
}

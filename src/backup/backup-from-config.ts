import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import { BackupService } from './backup-service';
import { BackupScheduler } from './scheduler';

/** The backup service as configured by the environment. */
export function createBackupService(
  config: Config,
  databaseUrl: string,
  logger: Logger,
  now?: () => Date,
): BackupService {
  return new BackupService({
    databaseUrl,
    dir: config.BACKUP_DIR,
    key: config.BACKUP_ENCRYPTION_KEY,
    retention: {
      keep: {
        daily: config.BACKUP_KEEP_DAILY,
        weekly: config.BACKUP_KEEP_WEEKLY,
        monthly: config.BACKUP_KEEP_MONTHLY,
      },
      maxAgeMs: config.BACKUP_MAX_AGE,
    },
    logger,
    now,
  });
}

export function createBackupScheduler(config: Config, service: BackupService): BackupScheduler {
  return new BackupScheduler(service, {
    schedules: {
      daily: config.BACKUP_DAILY_CRON,
      weekly: config.BACKUP_WEEKLY_CRON,
      monthly: config.BACKUP_MONTHLY_CRON,
    },
    pruneSchedule: config.BACKUP_PRUNE_CRON,
  });
}

/**
 * Starts the scheduler in the background: the catch-up backup must not delay serving, and a
 * backup failure never stops the server (it is logged, counted and reported as staleness).
 */
export function startBackupScheduler(
  config: Config,
  databaseUrl: string,
  logger: Logger,
): BackupScheduler {
  const scheduler = createBackupScheduler(config, createBackupService(config, databaseUrl, logger));
  scheduler
    .start()
    .catch((error) => logger.error({ err: error }, 'backup scheduler failed to start'));
  return scheduler;
}

import type { Config } from '../config/config';
import { backupDir, schedulerRefusal } from '../config/backup-config';
import { ConfigError } from '../config/config';
import type { Logger } from '../logging/logger';
import { BackupService } from './backup-service';
import type { BackupStore } from './backup-store';
import { FileBackupStore } from './file-store';
import { KeyRing } from './key-ring';
import { BackupScheduler } from './scheduler';

/** The store BACKUP_STORAGE names: BACKUP_DIR's folder, or an S3 bucket and prefix. */
export function createBackupStore(config: Config): BackupStore {
  const storage = config.BACKUP_STORAGE;
  if (storage.kind === 'file') return new FileBackupStore(backupDir(config));
  // The AWS SDK loads only for S3 storage: it would cost every other start (server, CLI) its
  // load time for nothing.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { S3BackupStore } = require('./s3-store') as typeof import('./s3-store');
  return new S3BackupStore({
    bucket: storage.bucket,
    prefix: storage.prefix,
    endpoint: config.BACKUP_S3_ENDPOINT,
    region: config.BACKUP_S3_REGION,
    // Unset: the SDK's own chain (environment, shared files, instance roles).
    credentials:
      config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY
        ? {
            accessKeyId: config.AWS_ACCESS_KEY_ID,
            secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
          }
        : undefined,
  });
}

export const keyRingOf = (config: Config): KeyRing =>
  new KeyRing(config.BACKUP_ENCRYPTION_KEY, config.BACKUP_DECRYPTION_KEYS);

/** The backup service as configured by the environment; `databaseUrl` when one is needed. */
export function createBackupService(
  config: Config,
  logger: Logger,
  databaseUrl?: string,
  now?: () => Date,
): BackupService {
  return new BackupService({
    databaseUrl,
    store: createBackupStore(config),
    keys: keyRingOf(config),
    jobs: config.BACKUP_JOBS,
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

/**
 * The scheduler, or a ConfigError saying why it must not run (production without a key). In
 * development an unencrypted scheduler logs one warning.
 */
export function createBackupScheduler(config: Config, service: BackupService): BackupScheduler {
  const refusal = schedulerRefusal(config);
  if (refusal) throw new ConfigError(`Invalid configuration:\n  ${refusal}`);
  if (!config.BACKUP_ENCRYPTION_KEY) {
    service.logger.warn(
      'backups are not encrypted: set BACKUP_ENCRYPTION_KEY (required when NODE_ENV=production)',
    );
  }
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
  const scheduler = createBackupScheduler(config, createBackupService(config, logger, databaseUrl));
  scheduler
    .start()
    .catch((error) => logger.error({ err: error }, 'backup scheduler failed to start'));
  return scheduler;
}

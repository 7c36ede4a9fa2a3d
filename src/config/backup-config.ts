import { Cron } from 'croner';
import { z } from 'zod';
import path from 'node:path';
import { decryptionKeysSetting, encryptionKeySetting } from './key-settings';
import { parseS3Url, type S3Location } from './s3-location';
import {
  durationSetting,
  optionalOnOffSetting,
  optionalTextSetting,
  optionalUrlSetting,
} from './settings';

/** The promise made to customers: no backup is kept beyond a month. */
export const BACKUP_MAX_AGE_LIMIT_MS = 31 * 24 * 3600 * 1000;

const cron = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .refine(
      (value) => {
        try {
          new Cron(value, { paused: true, timezone: 'UTC' }).stop();
          return true;
        } catch {
          return false;
        }
      },
      { message: 'is not a cron expression (e.g. "0 2 * * *")' },
    );

const keepCount = (fallback: number) => z.coerce.number().int().min(1).max(1000).default(fallback);

export type BackupStorageSetting = { kind: 'file' } | ({ kind: 's3' } & S3Location);

const storage = z
  .string()
  .trim()
  .default('file')
  .transform((value, ctx): BackupStorageSetting => {
    if (value === 'file') return { kind: 'file' };
    const s3 = parseS3Url(value);
    if (!s3) {
      ctx.addIssue({ code: 'custom', message: 'must be "file" or s3://<bucket>/<prefix>' });
      return z.NEVER;
    }
    return { kind: 's3', ...s3 };
  });

const maxAge = durationSetting('31d').refine((ms) => ms <= BACKUP_MAX_AGE_LIMIT_MS, {
  message: 'cannot exceed 31d: no backup is kept beyond a month',
});

/** Backup settings, spread into the main config schema (documented in docs/backups.md). */
export const backupConfigSchema = {
  /** Unset: a folder per database under DATA_DIR/backups (see backupDir). */
  BACKUP_DIR: optionalTextSetting,
  BACKUP_STORAGE: storage,
  BACKUP_S3_ENDPOINT: optionalUrlSetting,
  BACKUP_S3_REGION: z.string().trim().min(1).default('us-east-1'),
  AWS_ACCESS_KEY_ID: optionalTextSetting,
  AWS_SECRET_ACCESS_KEY: optionalTextSetting,
  /** Decoded to the 32-byte AES-256-GCM key; the base64 text is never kept. */
  BACKUP_ENCRYPTION_KEY: encryptionKeySetting,
  BACKUP_DECRYPTION_KEYS: decryptionKeysSetting,
  /** Tables copied, compressed and encrypted at once (separate connections, one snapshot). */
  BACKUP_JOBS: z.coerce.number().int().min(1).max(16).default(2),
  /** Unset means on, except under NODE_ENV=test (see backupSchedulerEnabled). */
  BACKUP_SCHEDULER: optionalOnOffSetting,
  BACKUP_DAILY_CRON: cron('0 2 * * *'),
  BACKUP_WEEKLY_CRON: cron('0 2 * * 0'),
  BACKUP_MONTHLY_CRON: cron('0 2 1 * *'),
  BACKUP_PRUNE_CRON: cron('30 * * * *'),
  BACKUP_KEEP_DAILY: keepCount(7),
  BACKUP_KEEP_WEEKLY: keepCount(4),
  BACKUP_KEEP_MONTHLY: keepCount(1),
  BACKUP_MAX_AGE: maxAge,
};

/** The server runs the backup scheduler unless told not to; test servers only when asked. */
export function backupSchedulerEnabled(config: {
  NODE_ENV: string;
  BACKUP_SCHEDULER?: boolean;
}): boolean {
  return config.BACKUP_SCHEDULER ?? config.NODE_ENV !== 'test';
}

/**
 * Where file backups go: BACKUP_DIR, or by default one folder per database, so switching
 * DATABASE_URL never mixes two databases' backups (the manifests tell them apart as well).
 */
export function backupDir(config: {
  BACKUP_DIR?: string;
  DATA_DIR: string;
  DATABASE_URL?: string;
}): string {
  if (config.BACKUP_DIR) return config.BACKUP_DIR;
  let name = 'embedded';
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    name = [
      url.hostname,
      url.port || '5432',
      decodeURIComponent(url.pathname.slice(1)) || 'postgres',
    ]
      .join('-')
      .replace(/[^A-Za-z0-9_.-]/g, '_');
  }
  return path.join(config.DATA_DIR, 'backups', name);
}

/**
 * Why the scheduler must not run, or undefined: in production it never writes an unencrypted
 * backup (a customer's data would sit readable in the store for a month).
 */
export function schedulerRefusal(config: {
  NODE_ENV: string;
  BACKUP_ENCRYPTION_KEY?: Buffer;
}): string | undefined {
  if (config.NODE_ENV === 'production' && !config.BACKUP_ENCRYPTION_KEY) {
    return 'BACKUP_ENCRYPTION_KEY: required when NODE_ENV=production: the backup scheduler does not write unencrypted backups (create one with `openssl rand -base64 32`, or set BACKUP_SCHEDULER=off and run `teamgraph backup worker` where the key is set)';
  }
  return undefined;
}

/** Cross-field rules; returns the problem or undefined. */
export function checkBackupConfig(config: {
  NODE_ENV: string;
  BACKUP_SCHEDULER?: boolean;
  BACKUP_ENCRYPTION_KEY?: Buffer;
}): string | undefined {
  // The server refuses to start rather than run a scheduler that would refuse.
  return backupSchedulerEnabled(config) ? schedulerRefusal(config) : undefined;
}

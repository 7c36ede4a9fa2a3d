import { Cron } from 'croner';
import { z } from 'zod';
import { durationSetting, onOffSetting, optionalOnOffSetting } from './settings';

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

const encryptionKey = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (!value) return undefined;
    const key = Buffer.from(value, 'base64');
    if (key.length !== 32 || key.toString('base64') !== value.replace(/\s/g, '')) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be 32 bytes in base64 (openssl rand -base64 32)',
      });
      return z.NEVER;
    }
    return key;
  });

const maxAge = durationSetting('31d').refine((ms) => ms <= BACKUP_MAX_AGE_LIMIT_MS, {
  message: 'cannot exceed 31d: no backup is kept beyond a month',
});

/** Backup settings, spread into the main config schema (documented in the README). */
export const backupConfigSchema = {
  BACKUP_DIR: z.string().min(1).default('.data/backups'),
  /** Decoded to the 32-byte AES-256-GCM key; the base64 text is never kept. */
  BACKUP_ENCRYPTION_KEY: encryptionKey,
  BACKUP_ALLOW_UNENCRYPTED: onOffSetting('off'),
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

/** Cross-field rules; returns the problem or undefined. */
export function checkBackupConfig(config: {
  NODE_ENV: string;
  BACKUP_ENCRYPTION_KEY?: Buffer;
  BACKUP_ALLOW_UNENCRYPTED: boolean;
}): string | undefined {
  if (
    config.NODE_ENV === 'production' &&
    !config.BACKUP_ENCRYPTION_KEY &&
    !config.BACKUP_ALLOW_UNENCRYPTED
  ) {
    return 'BACKUP_ENCRYPTION_KEY: required when NODE_ENV=production (or set BACKUP_ALLOW_UNENCRYPTED=on)';
  }
  return undefined;
}

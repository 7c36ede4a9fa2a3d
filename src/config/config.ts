import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { backupConfigSchema, checkBackupConfig } from './backup-config';
import { budgetConfigSchema } from './budget-config';
import { checkCheckpointConfig, checkpointConfigSchema } from './checkpoint-config';
import { liveConfigSchema } from './live-config';
import { checkEdgeConfig, edgeConfigSchema } from './edge-config';
import { checkRedisConfig, redisConfigSchema } from './redis-config';
import { checkSecretConfig, secretConfigSchema } from './secret-config';
import {
  csvSetting as csv,
  durationSetting as duration,
  onOffSetting as onOff,
  optionalUrlSetting as optionalUrl,
} from './settings';

/** Every environment variable the server reads; documented in docs/operations.md, Configuration. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optionalUrl,
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /** Root only: where the embedded PostgreSQL's binaries (and data) go when DATA_DIR is private. */
  EMBEDDED_PG_RUNTIME_DIR: z.string().min(1).default('/var/lib/teamgraph'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** How long start-up keeps retrying an unreachable DATABASE_URL (containers start in any order). */
  DB_CONNECT_TIMEOUT: duration('30s'),
  MIGRATE_ON_START: onOff('on'),
  SESSION_TTL: duration('30d'),
  /** How long each instance keeps a resolved session; revocations drop it at once. 0: off. */
  SESSION_CACHE_TTL: duration('5s'),
  /** How long after log-in or `confirmIdentity` a session may change how its owner signs in. */
  REAUTH_WINDOW: duration('10m'),
  ...redisConfigSchema,
  PUBLIC_URL: optionalUrl,
  CORS_ORIGINS: csv,
  INVITATION_TTL: duration('7d'),
  SMTP_URL: optionalUrl,
  SMTP_FROM: z.string().default('teamgraph <no-reply@localhost>'),
  RATE_LIMITS: onOff('on'),
  ...budgetConfigSchema,
  /** Worker threads for CPU-heavy work (password strength, hash-chain checks). */
  CPU_WORKERS: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(() => Math.max(1, Math.min(4, availableParallelism() - 1))),
  /** The built web page (`npm run build:web`), served at `/`. */
  WEB_DIR: z.string().min(1).default('dist/web'),
  /** Benchmarks only: serve the schema without the permission map, to measure what it costs. */
  BENCH_SKIP_PERMISSIONS: onOff('off'),
  ...edgeConfigSchema,
  ...backupConfigSchema,
  ...secretConfigSchema,
  ...checkpointConfigSchema,
  ...liveConfigSchema,
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Reads and validates configuration; throws one readable message listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) =>
        `  ${issue.path.join('.')}: ${issue.message} (got ${
          // Never echo secrets into logs.
          /KEY|SECRET/.test(String(issue.path[0]))
            ? '[redacted]'
            : JSON.stringify(env[String(issue.path[0])])
        })`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = result.data;
  if (config.NODE_ENV === 'production' && !config.RATE_LIMITS) {
    throw new ConfigError(
      'Invalid configuration:\n  RATE_LIMITS: cannot be off when NODE_ENV=production',
    );
  }
  if (config.BENCH_SKIP_PERMISSIONS && config.NODE_ENV === 'production') {
    throw new ConfigError(
      'Invalid configuration:\n  BENCH_SKIP_PERMISSIONS: benchmark-only, refused when NODE_ENV=production',
    );
  }
  const backupProblem = checkBackupConfig(config);
  if (backupProblem) throw new ConfigError(`Invalid configuration:\n  ${backupProblem}`);
  const edgeProblem = checkEdgeConfig(config);
  if (edgeProblem) throw new ConfigError(`Invalid configuration:\n  ${edgeProblem}`);
  const secretProblem = checkSecretConfig(config);
  if (secretProblem) throw new ConfigError(`Invalid configuration:\n  ${secretProblem}`);
  const checkpointProblem = checkCheckpointConfig(config);
  if (checkpointProblem) throw new ConfigError(`Invalid configuration:\n  ${checkpointProblem}`);
  const redisProblem = checkRedisConfig(config);
  if (redisProblem) throw new ConfigError(`Invalid configuration:\n  ${redisProblem}`);
  return config;
}

/**
 * For entry points (server, CLIs): the configuration, or null after `report` was given the
 * message of a bad one — the caller then exits with status 2.
 */
export function loadConfigOrReport(
  report: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Config | null {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report(error.message);
    return null;
  }
}

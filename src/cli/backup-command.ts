import { parseArgs } from 'node:util';
import pino from 'pino';
import { connectDatabase } from '../db/connect-database';
import { resolveDatabase } from '../db/resolve-database';
import { createEventBus } from '../events/create-event-bus';
import { BackupRefusedError } from '../backup/backup-errors';
import {
  createBackupScheduler,
  createBackupService,
  keyRingOf,
} from '../backup/backup-from-config';
import { backupStatus } from '../backup/backup-status';
import { describeIdentity } from '../backup/database-identity';
import type { TableProgress } from '../backup/progress';
import { restoreDatabase } from '../backup/restore-database';
import { restoreTeam } from '../backup/restore-team';
import { verifyBackup } from '../backup/verify';
import { isTier, TIERS, type Tier } from '../backup/tiers';
import { ConfigError, loadConfigOrReport, type Config } from '../config/config';
import { createLogger, type Logger } from '../logging/logger';
import { progressDisplay, type ProgressTerminal } from './progress-display';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the process is asked to stop (worker only). */
  untilSignal?: () => Promise<void>;
  /** Where per-table progress goes (stderr); none when unset. */
  progress?: ProgressTerminal;
}

export const BACKUP_USAGE = `usage: teamgraph backup <command>
  run [--tier daily|weekly|monthly ...] [--json]   take a backup now (default tier: daily)
  list [--json] [--all]                      this database's backups, newest first (--all: every database's)
  verify <id> [--scratch-database-url URL]   restore into a scratch database and compare with the manifest
  restore <id> --database-url URL            restore everything into that empty database
  restore <id> --team TEAM_ID                restore one deleted team into the live database
  prune                                      apply retention now
  worker                                     run the backup scheduler alone (no HTTP server)
  status [--json]                            this database's newest backup and its age; exits 1 when stale (> 26 h)
run, restore and verify show per-table progress on stderr.
Reads the server's environment: DATABASE_URL, BACKUP_STORAGE, BACKUP_DIR, BACKUP_ENCRYPTION_KEY,
BACKUP_DECRYPTION_KEYS, ...`;

const signalled = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

/** Opens the configured database (embedded when DATABASE_URL is unset) for the duration of `work`. */
async function withDatabase<T>(
  config: Config,
  logger: Logger,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const database = await resolveDatabase(config, logger);
  try {
    return await work(database.url);
  } finally {
    await database.stop();
  }
}

const formatBytes = (n: number): string =>
  n >= 1 << 20
    ? `${(n / (1 << 20)).toFixed(1)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${n} B`;

/**
 * `teamgraph backup …`. Returns the exit code: 0 success, 1 failure or refusal (tampered,
 * mismatching, stale), 2 usage or configuration error. Logs go to stderr so stdout stays
 * parseable (`list --json`).
 */
export async function runBackupCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        tier: { type: 'string', multiple: true },
        team: { type: 'string' },
        'database-url': { type: 'string' },
        'scratch-database-url': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n${BACKUP_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, id] = positionals;
  if (values.help || !command) {
    (values.help ? io.out : io.err)(BACKUP_USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfigOrReport(io.err, env);
  if (!config) return 2;
  const logger = createLogger(config.LOG_LEVEL, {}, pino.destination(2));
  const progress: TableProgress | undefined = io.progress && progressDisplay(io.progress);
  const needId = () => {
    if (!id) throw new UsageError(`${command} needs a backup id (see \`teamgraph backup list\`)`);
    return id;
  };

  try {
    switch (command) {
      case 'list': {
        const backups = values.all
          ? await createBackupService(config, logger).listAll()
          : await withDatabase(config, logger, (url) =>
              createBackupService(config, logger, url).list(),
            );
        const rows = backups.map(({ manifest, location }) => ({
          id: manifest.id,
          createdAt: manifest.createdAt,
          tiers: manifest.tiers,
          sizeBytes: manifest.sizeBytes,
          encrypted: manifest.encrypted,
          keyFingerprint: manifest.keyFingerprint ?? null,
          database: manifest.database ?? null,
          migration: manifest.migration.name,
          location,
          rows: Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows])),
        }));
        if (values.json) io.out(JSON.stringify(rows, null, 2));
        else if (!rows.length) io.out(`no backups of this database in ${store(config, logger)}`);
        else {
          for (const row of rows) {
            io.out(
              `${row.id}  ${row.createdAt}  ${row.tiers.join(',').padEnd(20)}  ${formatBytes(row.sizeBytes).padEnd(10)}` +
                (values.all ? `  ${describeIdentity(row.database ?? undefined)}` : ''),
            );
          }
        }
        return 0;
      }
      case 'status': {
        const status = await withDatabase(config, logger, async (url) => {
          const service = createBackupService(config, logger, url);
          return backupStatus(await service.identity(), await service.list(), new Date());
        });
        if (values.json) io.out(JSON.stringify(status, null, 2));
        else if (!status.newest)
          io.out(
            `STALE: no backup of ${describeIdentity(status.database)} in ${store(config, logger)}`,
          );
        else {
          const hours = ((status.ageSeconds ?? 0) / 3600).toFixed(1);
          io.out(
            `${status.stale ? 'STALE' : 'OK'}: newest backup of ${describeIdentity(status.database)} is ${status.newest.id}, ${hours} h old ` +
              `(${status.count} kept, oldest ${status.oldestCreatedAt}; stale after ${status.staleAfterSeconds / 3600} h)`,
          );
        }
        return status.stale ? 1 : 0;
      }
      case 'prune': {
        const { removed, kept } = await createBackupService(config, logger).prune();
        for (const entry of removed) io.out(`removed ${entry.id}: ${entry.reason}`);
        io.out(`${kept.length} backups kept, ${removed.length} removed`);
        return 0;
      }
      case 'run': {
        const tiers = values.tier?.length ? values.tier : ['daily'];
        const bad = tiers.find((t) => !isTier(t));
        if (bad) throw new UsageError(`unknown tier "${bad}" (use ${TIERS.join(', ')})`);
        const manifest = await withDatabase(config, logger, (url) =>
          createBackupService(config, logger, url).run(tiers as Tier[], progress),
        );
        if (values.json) io.out(JSON.stringify(manifest, null, 2));
        else
          io.out(`${manifest.id}  ${manifest.tiers.join(',')}  ${formatBytes(manifest.sizeBytes)}`);
        return 0;
      }
      case 'verify': {
        const backupId = needId();
        const report = await withDatabase(config, logger, async (url) => {
          const service = createBackupService(config, logger, url);
          return verifyBackup(await service.get(backupId), service.keys, {
            serverUrl: url,
            scratchUrl: values['scratch-database-url'],
            progress,
            jobs: config.BACKUP_JOBS,
          });
        });
        if (values.json) io.out(JSON.stringify(report, null, 2));
        else {
          for (const t of report.tables) {
            const ok = t.rows === t.expectedRows && t.checksumMatches;
            io.out(
              `${ok ? 'ok      ' : 'MISMATCH'}  ${t.name}: ${t.rows}/${t.expectedRows} rows, checksum ${t.checksumMatches ? 'matches' : 'differs'}`,
            );
          }
          io.out(
            report.ok ? `backup ${report.id} verified` : `backup ${report.id} FAILED verification`,
          );
        }
        return report.ok ? 0 : 1;
      }
      case 'restore': {
        const backupId = needId();
        const target = values['database-url'];
        const teamId = values.team;
        if (Boolean(target) === Boolean(teamId)) {
          throw new UsageError(
            'restore needs exactly one of --database-url URL (everything) or --team TEAM_ID',
          );
        }
        if (target) {
          const service = createBackupService(config, logger);
          const result = await restoreDatabase(
            await service.get(backupId),
            service.keys,
            target,
            progress,
            config.BACKUP_JOBS,
          );
          if (values.json) io.out(JSON.stringify(result, null, 2));
          else {
            for (const t of result.tables) io.out(`${t.name}: ${t.rows} rows`);
            io.out(`backup ${backupId} restored in ${result.seconds.toFixed(1)} s`);
          }
          return 0;
        }
        const result = await withDatabase(config, logger, async (url) => {
          const dataSource = await connectDatabase(
            url,
            { ...config, MIGRATE_ON_START: false },
            logger,
          );
          const bus = createEventBus(config, logger);
          try {
            const service = createBackupService(config, logger, url);
            return await restoreTeam(await service.get(backupId), keyRingOf(config), teamId!, {
              dataSource,
              bus,
            });
          } finally {
            await bus.close();
            await dataSource.destroy();
          }
        });
        for (const t of result.tables) io.out(`${t.name}: ${t.rows} rows`);
        io.out(`team ${teamId} restored from backup ${backupId}`);
        return 0;
      }
      case 'worker': {
        await withDatabase(config, logger, async (url) => {
          const scheduler = createBackupScheduler(config, createBackupService(config, logger, url));
          const stop = (io.untilSignal ?? signalled)();
          logger.info('backup worker started');
          await Promise.race([scheduler.start(), stop]);
          await stop;
          await scheduler.stop();
          logger.info('backup worker stopped');
        });
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 2;
    }
    if (error instanceof UsageError) {
      io.err(`${error.message}\n${BACKUP_USAGE}`);
      return 2;
    }
    if (error instanceof BackupRefusedError) {
      io.err(`refused: ${error.message}`);
      return 1;
    }
    io.err(`failed: ${(error as Error).message}`);
    logger.error({ err: error }, `backup ${command} failed`);
    return 1;
  }
}

class UsageError extends Error {}

const store = (config: Config, logger: Logger): string =>
  createBackupService(config, logger).store.description;

import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { startBackupScheduler } from './backup/backup-from-config';
import { backupSchedulerEnabled } from './config/backup-config';
import type { Config } from './config/config';
import { playgroundEnabled } from './config/edge-config';
import { startEmbeddedDatabase, type RunningDatabase } from './db/embedded-database';
import { waitForDatabase } from './db/wait-for-database';
import type { EventBus } from './events/event-bus';
import { InMemoryEventBus } from './events/in-memory-event-bus';
import { RedisEventBus } from './events/redis-event-bus';
import type { Logger } from './logging/logger';
import { countingEventBus } from './metrics/event-metrics';
import { createRateLimits } from './rate-limit/create-rate-limits';
import { closeRedis, connectRedis } from './redis/redis-client';
import { createServer, type TeamgraphServer } from './server/create-server';
import { createServices, type Services } from './services';

export interface RunningApp {
  url: string;
  services: Services;
  server: TeamgraphServer;
  stop(): Promise<void>;
}

/** DATABASE_URL, or an embedded PostgreSQL under DATA_DIR when none is configured. */
export async function resolveDatabase(config: Config, logger: Logger): Promise<RunningDatabase> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, stop: async () => undefined };
  return startEmbeddedDatabase(
    {
      dataDir: config.DATA_DIR,
      port: config.EMBEDDED_PG_PORT,
      runtimeDir: config.EMBEDDED_PG_RUNTIME_DIR,
    },
    logger,
  );
}

export async function connectDatabase(
  url: string,
  config: Config,
  logger: Logger,
): Promise<DataSource> {
  await waitForDatabase(url, config.DB_CONNECT_TIMEOUT, logger);
  const dataSource = createDataSource({ url, poolSize: config.DB_POOL_SIZE });
  await dataSource.initialize();
  if (config.MIGRATE_ON_START) {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length)
      logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  return dataSource;
}

/** Redis pub/sub when REDIS_URL is set (several instances), else in-process. */
export function createEventBus(config: Config, logger: Logger): EventBus {
  if (config.REDIS_URL)
    return new RedisEventBus(config.REDIS_URL, logger.child({ component: 'event-bus' }));
  return new InMemoryEventBus();
}

/** Starts everything one instance runs, listening on PORT/HOST (0 picks a free port). */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const database = await resolveDatabase(config, logger);
  const dataSource = await connectDatabase(database.url, config, logger);
  const redis = config.REDIS_URL ? connectRedis(config.REDIS_URL, logger) : null;
  const bus = countingEventBus(createEventBus(config, logger), logger);
  const rateLimits = createRateLimits(config, redis, logger);
  const services = createServices({ config, dataSource, bus, logger, rateLimits });
  const server = await createServer(services, { redis });
  const url = await server.listen(config.PORT, config.HOST);
  // The playground is the same URL opened in a browser.
  const playground = playgroundEnabled(config) ? url : undefined;
  logger.info({ url, playground, env: config.NODE_ENV }, 'teamgraph listening');
  // BACKUP_SCHEDULER=off leaves backups to `teamgraph backup worker`.
  const backups = backupSchedulerEnabled(config)
    ? startBackupScheduler(config, database.url, logger)
    : undefined;
  return {
    url,
    services,
    server,
    async stop() {
      // Requests finish first; the scheduler aborts a running backup meanwhile.
      await Promise.all([server.close(), backups?.stop()]);
      await bus.close();
      await services.cpu.close();
      if (redis) await closeRedis(redis);
      await dataSource.destroy();
      await database.stop();
    },
  };
}

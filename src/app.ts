import 'reflect-metadata';
import { startBackupScheduler } from './backup/backup-from-config';
import { backupSchedulerEnabled } from './config/backup-config';
import type { Config } from './config/config';
import { playgroundEnabled } from './config/edge-config';
import { redisTarget } from './config/redis-config';
import { connectDatabase } from './db/connect-database';
import { resolveDatabase } from './db/resolve-database';
import { sealStoredSecrets } from './db/seal-stored-secrets';
import { currentSecretKeys } from './db/sealed-secrets';
import { logPublished } from './events/app-event-log';
import { createEventBus } from './events/create-event-bus';
import { observePublished } from './events/observed-event-bus';
import { RedisBusHealth } from './events/redis-bus-health';
import { RedisEventBus } from './events/redis-event-bus';
import type { Logger } from './logging/logger';
import { countPublished } from './metrics/event-metrics';
import { createRateLimits } from './rate-limit/create-rate-limits';
import { closeRedis, connectRedis } from './redis/redis-client';
import { createServer, type TeamgraphServer } from './server/create-server';
import { createServices, type Services } from './services';

export interface RunningApp {
  url: string;
  services: Services;
  server: TeamgraphServer;
  /** Serves `drainMs` more (reporting not ready), then stops; see TeamgraphServer.close. */
  stop(drainMs?: number): Promise<void>;
}

// Their own modules, so the operator CLIs can use them without loading the API.
export { connectDatabase, createEventBus, resolveDatabase };

/** Starts everything one instance runs, listening on PORT/HOST (0 picks a free port). */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const database = await resolveDatabase(config, logger);
  const dataSource = await connectDatabase(database.url, config, logger);
  // Secrets stored in plain text, or under a retired key, are sealed under the current one.
  const sealed = await sealStoredSecrets(dataSource, currentSecretKeys());
  if (sealed) logger.info({ event: 'secrets.sealed', rows: sealed }, 'stored secrets sealed');
  const target = redisTarget(config);
  const redis = target ? connectRedis(target, logger) : null;
  const rawBus = createEventBus(config, logger);
  const bus = observePublished(rawBus, countPublished, logPublished(logger));
  const busHealth = rawBus instanceof RedisEventBus ? new RedisBusHealth(rawBus) : undefined;
  const rateLimits = createRateLimits(config, redis, logger);
  const services = createServices({ config, dataSource, bus, logger, rateLimits, busHealth });
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
    async stop(drainMs = 0) {
      // Requests finish first; the scheduler aborts a running backup meanwhile.
      await Promise.all([server.close(drainMs), backups?.stop()]);
      services.sessionCache.close();
      busHealth?.close();
      await bus.close();
      await services.cpu.close();
      if (redis) await closeRedis(redis);
      await dataSource.destroy();
      await database.stop();
    },
  };
}

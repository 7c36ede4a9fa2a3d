import 'reflect-metadata';
import { startBackupScheduler } from './backup/backup-from-config';
import { backupSchedulerEnabled } from './config/backup-config';
import type { Config } from './config/config';
import { playgroundEnabled } from './config/edge-config';
import { redisTarget } from './config/redis-config';
import { composeInstance } from './composition-root';
import { connectDatabase } from './db/connect-database';
import { resolveDatabase } from './db/resolve-database';
import { sealStoredSecrets } from './db/seal-stored-secrets';
import { currentSecretKeys } from './db/sealed-secrets';
import type { Logger } from './logging/logger';
import { closeRedis, connectRedis } from './redis/redis-client';
import { createServer, type TeamgraphServer } from './server/create-server';
import type { Services } from './services';

export interface RunningApp {
  url: string;
  services: Services;
  server: TeamgraphServer;
  /** Serves `drainMs` more (reporting not ready), then stops; see TeamgraphServer.close. */
  stop(drainMs?: number): Promise<void>;
}

/**
 * Starts everything one instance runs, listening on PORT/HOST (0 picks a free port): opens the
 * database and Redis, has the composition root build the parts, and serves them.
 */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const database = await resolveDatabase(config, logger);
  const dataSource = await connectDatabase(database.url, config, logger);
  // Secrets stored in plain text, or under a retired key, are sealed under the current one.
  const sealed = await sealStoredSecrets(dataSource, currentSecretKeys());
  if (sealed) logger.info({ event: 'secrets.sealed', rows: sealed }, 'stored secrets sealed');
  const target = redisTarget(config);
  const redis = target ? connectRedis(target, logger) : null;
  const services = composeInstance({ config, dataSource, logger, redis });
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
      await services.close();
      if (redis) await closeRedis(redis);
      await dataSource.destroy();
      await database.stop();
    },
  };
}

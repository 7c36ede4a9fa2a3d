import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import { startEmbeddedDatabase, type RunningDatabase } from './embedded-database';

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

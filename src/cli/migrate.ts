import { connectDatabase, resolveDatabase } from '../app';
import { loadConfig } from '../config/config';
import { createLogger } from '../logging/logger';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
async function main(): Promise<void> {
  const config = { ...loadConfig(), MIGRATE_ON_START: true };
  const logger = createLogger(config.LOG_LEVEL);
  const database = await resolveDatabase(config, logger);
  const dataSource = await connectDatabase(database.url, config, logger);
  logger.info('database schema is up to date');
  await dataSource.destroy();
  await database.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

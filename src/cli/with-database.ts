import type { DataSource } from 'typeorm';
import { connectDatabase } from '../db/connect-database';
import { resolveDatabase } from '../db/resolve-database';
import type { Config } from '../config/config';
import { StartupError } from '../errors/startup-error';
import type { Logger } from '../logging/logger';
import type { CliIo } from './backup-command';

/**
 * Opens DATABASE_URL (or the embedded database) with pending migrations applied, runs `work`
 * and closes everything. A database that cannot be reached is one line on stderr and exit 2.
 */
export async function withMigratedDatabase(
  config: Config,
  logger: Logger,
  io: CliIo,
  work: (dataSource: DataSource) => Promise<number>,
): Promise<number> {
  let database;
  let dataSource;
  try {
    database = await resolveDatabase(config, logger);
    dataSource = await connectDatabase(database.url, { ...config, MIGRATE_ON_START: true }, logger);
  } catch (error) {
    await database?.stop();
    if (!(error instanceof StartupError)) throw error;
    io.err(error.message);
    return 2;
  }
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
    await database.stop();
  }
}

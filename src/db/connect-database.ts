import type { DataSource } from 'typeorm';
import { createDataSource } from '../../ormconfig';
import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';

/** The TypeORM data source on `url`, migrated first when MIGRATE_ON_START is on. */
export async function connectDatabase(
  url: string,
  config: Config,
  logger: Logger,
): Promise<DataSource> {
  const dataSource = createDataSource({ url, poolSize: config.DB_POOL_SIZE });
  await dataSource.initialize();
  if (config.MIGRATE_ON_START) {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length)
      logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  return dataSource;
}

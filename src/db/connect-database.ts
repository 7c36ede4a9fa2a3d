import type { DataSource } from 'typeorm';
import { createDataSource } from '../../ormconfig';
import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import { checkpointPolicyFromConfig, registerSigningKey } from './checkpoint-keys';
import { useCheckpointPolicy } from './checkpoint-signer';
import { useSecretKeys } from './sealed-secrets';
import { secretKeysFromConfig } from './secret-keys-from-config';
import { waitForDatabase } from './wait-for-database';

/**
 * The TypeORM data source on `url` (waiting for an unreachable server up to
 * DB_CONNECT_TIMEOUT), migrated first when MIGRATE_ON_START is on.
 */
export async function connectDatabase(
  url: string,
  config: Config,
  logger: Logger,
): Promise<DataSource> {
  // Before any row is read: the users' TOTP secrets are sealed with these keys.
  useSecretKeys(secretKeysFromConfig(config));
  // Before any activity is written: writes sign the log's checkpoints with this key.
  const checkpoints = checkpointPolicyFromConfig(config, logger);
  useCheckpointPolicy(checkpoints);
  await waitForDatabase(url, config.DB_CONNECT_TIMEOUT, logger);
  const dataSource = createDataSource({ url, poolSize: config.DB_POOL_SIZE });
  await dataSource.initialize();
  if (config.MIGRATE_ON_START) {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length)
      logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  await registerSigningKey(dataSource, checkpoints.signer, config.CHECKPOINT_RETIRED_KEYS);
  return dataSource;
}

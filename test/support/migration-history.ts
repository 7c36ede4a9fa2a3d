import { DataSource } from 'typeorm';
import { entities } from '../../entities';
import { migrations } from '../../ormconfig';

/** A database at a given point of the migration history: the first `upTo` migrations. */
export function dataSourceAt(url: string, upTo: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations: migrations.slice(0, upTo),
    migrationsTableName: 'migrations',
    poolSize: 2,
  });
}

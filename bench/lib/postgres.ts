import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { startThrowawayPostgres } from './throwaway-postgres';
import { databaseAnswers } from '../../src/db/database-answers';

/** A PostgreSQL server the benchmarks may create and drop databases on. */
export interface PostgresServer {
  adminUrl: string;
  /** Where it came from, for the report. */
  source: string;
  stop(): Promise<void>;
}

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** DATABASE_URL, else the local server on 127.0.0.1:5432, else an embedded one for this run. */
export async function findPostgres(): Promise<PostgresServer> {
  if (process.env.DATABASE_URL) {
    if (!(await databaseAnswers(process.env.DATABASE_URL, 1500)))
      throw new Error('DATABASE_URL does not answer');
    return {
      adminUrl: process.env.DATABASE_URL,
      source: 'DATABASE_URL',
      stop: async () => undefined,
    };
  }
  if (await databaseAnswers(LOCAL_URL, 1500)) {
    return { adminUrl: LOCAL_URL, source: '127.0.0.1:5432', stop: async () => undefined };
  }
  const server = await startThrowawayPostgres('bench', 'bench', ['-c', 'max_connections=200']);
  return {
    adminUrl: server.adminUrl,
    source: `embedded PostgreSQL (port ${server.port})`,
    stop: () => server.stop(),
  };
}

export interface ScratchDatabase {
  name: string;
  url: string;
  /** A small pool for seeding and checking rows. */
  pool: Pool;
  drop(): Promise<void>;
}

async function admin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** An empty database for one workload; the server's migrations create the schema. */
export async function createScratchDatabase(
  server: PostgresServer,
  label: string,
): Promise<ScratchDatabase> {
  const name = `tg_bench_${label}_${randomBytes(4).toString('hex')}`;
  await admin(server.adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  const pool = new Pool({ connectionString: url.toString(), max: 4 });
  // An idle connection cut by DROP DATABASE … WITH (FORCE) must not crash the run.
  pool.on('error', () => undefined);
  let dropped = false;
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end();
      await admin(server.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

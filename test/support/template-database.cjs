// One migrated database per test run, made once in jest's global setup: each suite's scratch
// database is a copy of it (CREATE DATABASE ... TEMPLATE), so no suite runs the migrations
// itself. Copying takes milliseconds; migrating took seconds per suite, and most of a suite's
// start-up time on a loaded machine.
require('./swc-register.cjs');
require('reflect-metadata');
const { randomBytes } = require('node:crypto');
const pg = require('pg');

async function withAdmin(adminUrl, work) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates and migrates the template; returns its name. */
async function createTemplateDatabase(adminUrl) {
  const name = `tg_template_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const { createDataSource } = require('../../ormconfig.ts');
  const dataSource = createDataSource({ url: url.toString(), poolSize: 1 });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
  return name;
}

async function dropTemplateDatabase(adminUrl, name) {
  await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

module.exports = { createTemplateDatabase, dropTemplateDatabase };

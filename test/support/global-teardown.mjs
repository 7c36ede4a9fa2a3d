import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

export default async function globalTeardown() {
  if (process.env.TEST_BUILD_DIR)
    rmSync(process.env.TEST_BUILD_DIR, { recursive: true, force: true });
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (template) {
    const require = createRequire(import.meta.url);
    const { dropTemplateDatabase } = require('./template-database.cjs');
    await dropTemplateDatabase(process.env.TEST_ADMIN_DATABASE_URL, template);
  }
  const server = globalThis.__TEAMGRAPH_EMBEDDED_PG__;
  if (server) await server.stop();
}

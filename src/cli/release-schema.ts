import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stampRelease } from '../util/changelog';

/**
 * `npm run schema:release -- <version>`: the current schema becomes the released one, the
 * schema every later change is checked against, and CHANGELOG.md's Unreleased section becomes
 * that version's, dated today.
 */
const root = path.resolve(__dirname, '../../..');
const version = process.argv[2];
if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
  console.error('usage: npm run schema:release -- <version, e.g. 0.2.0>');
  process.exit(2);
}
const changelog = path.join(root, 'CHANGELOG.md');
const today = new Date().toISOString().slice(0, 10);
try {
  writeFileSync(changelog, stampRelease(readFileSync(changelog, 'utf8'), version, today));
} catch (error) {
  console.error(`schema:release: ${(error as Error).message}`);
  process.exit(1);
}
copyFileSync(path.join(root, 'schema/schema.graphql'), path.join(root, 'schema/released.graphql'));
console.log(`released the schema as ${version} (${today}): schema/released.graphql, CHANGELOG.md`);

import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { BackupRefusedError } from '../src/backup/backup-errors';
import { bytes } from '../src/backup/bytes';
import { openPart } from '../src/backup/part-io';
import { restoreDatabase } from '../src/backup/restore-database';
import { verifyBackup } from '../src/backup/verify';
import {
  APP_TABLES,
  databaseUrlOf,
  indexesAndConstraints,
  dumpTables,
  queryUrl,
  seedTeam,
  testKey,
  userTriggers,
  keys,
} from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';
import { dataFingerprint } from './support/counts';
import { partsOf } from '../src/backup/manifest';

const suite = useBackupSuite(async (app) => {
  const first = await seedTeam(app);
  await seedTeam(app, 'Second team');
  return first;
});
const key = testKey();

const readPartText = async (backupId: string, table: string, withKey: Buffer | undefined) => {
  const service = suite.service(withKey);
  const backup = await service.get(backupId);
  const entry = backup.manifest.tables.find((t) => t.name === table)!;
  const chunks: Uint8Array[] = [];
  for await (const chunk of openPart(backup, entry, withKey)) chunks.push(bytes(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
};

describe('backup and whole-database restore', () => {
  it('brings back every row of every table, sentinel values intact, after rows were changed and deleted', async () => {
    const service = suite.service(key);
    const before = await dumpTables(databaseUrlOf(suite.app));
    for (const table of APP_TABLES) expect(before[table].length).toBeGreaterThan(0);
    const manifest = await service.run(['daily']);

    expect(manifest.tables.map((t) => t.name).sort()).toEqual([...APP_TABLES].sort());
    for (const table of manifest.tables) expect(table.rows).toBe(before[table.name].length);
    expect(manifest.encrypted).toBe(true);
    expect(manifest.migration.name).toMatch(/^[A-Za-z]+\d{13}$/);
    // Parents before children, so a restore never breaks a foreign key.
    const order = manifest.tables.map((t) => t.name);
    expect(order.indexOf('users')).toBeLessThan(order.indexOf('sessions'));
    expect(order.indexOf('teams')).toBeLessThan(order.indexOf('activities'));

    // Change and delete rows after the backup.
    await suite.app.sql(`UPDATE users SET display_name = 'changed' WHERE id = $1`, [
      suite.seeded.member.id,
    ]);
    await suite.app.sql(`DELETE FROM items WHERE id = $1`, [suite.seeded.itemId]);
    await suite.app.sql(`DELETE FROM sessions WHERE user_id = $1`, [suite.seeded.member.id]);
    expect(await dumpTables(databaseUrlOf(suite.app))).not.toEqual(before);

    const target = await suite.emptyDatabase();
    const result = await restoreDatabase(await service.get(manifest.id), keys(key), target);
    expect(result.tables.map((t) => t.rows)).toEqual(manifest.tables.map((t) => t.rows));
    expect(await dumpTables(target)).toEqual(before);
    // Indexes and constraints set aside for the load are all back, exactly as migrations made them.
    const schemaOf = async (url: string) => [
      ...(await indexesAndConstraints(url)),
      ...(await userTriggers(url)),
    ];
    expect(await schemaOf(target)).toEqual(await schemaOf(databaseUrlOf(suite.app)));
    const [migration] = await queryUrl<{ name: string }>(
      target,
      'SELECT name FROM migrations ORDER BY id DESC LIMIT 1',
    );
    expect(migration.name).toBe(manifest.migration.name);
    // Analyzed for the planner: every table that holds rows has its column statistics.
    const analyzed = await queryUrl<{ tablename: string }>(
      target,
      `SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public'`,
    );
    expect(analyzed.map((t) => t.tablename).sort()).toEqual(
      manifest.tables
        .filter((t) => t.rows > 0)
        .map((t) => t.name)
        .sort(),
    );
  });

  it('stores nothing readable without the key: parts are ciphertext, not gzip', async () => {
    const service = suite.service(key);
    const manifest = await service.run(['daily']);
    const backup = await service.get(manifest.id);
    const part = readFileSync(`${backup.location}/${partsOf(manifest.tables[0])[0].file}`);
    expect(part.subarray(0, 4).toString()).toBe('TGB1');
    expect(() => gunzipSync(bytes(part))).toThrow('incorrect header check');
    expect(part.includes(Buffer.from(suite.seeded.team.id))).toBe(false);
  });

  it('works unencrypted too (development): plain gzip parts, no signature', async () => {
    const service = suite.service(undefined);
    const manifest = await service.run(['weekly']);
    expect(manifest.encrypted).toBe(false);
    const backup = await service.get(manifest.id);
    const users = manifest.tables.find((t) => t.name === 'users')!;
    expect(
      gunzipSync(bytes(readFileSync(`${backup.location}/${partsOf(users)[0].file}`))).toString(),
    ).toContain(suite.seeded.member.id);
    const report = await verifyBackup(backup, keys(undefined), {
      serverUrl: databaseUrlOf(suite.app),
    });
    expect(report.ok).toBe(true);
  });

  it('verify restores into a scratch database and matches every table with the manifest', async () => {
    const service = suite.service(key);
    const manifest = await service.run(['daily']);
    const report = await verifyBackup(await service.get(manifest.id), keys(key), {
      serverUrl: databaseUrlOf(suite.app),
    });
    expect(report.ok).toBe(true);
    expect(report.tables).toHaveLength(APP_TABLES.length);
    for (const table of report.tables) {
      expect(table.rows).toBe(table.expectedRows);
      expect(table.checksumMatches).toBe(true);
    }
    // The scratch database is gone afterwards.
    expect(report.database).toMatch(/^teamgraph_verify_[0-9a-f]{12}$/);
    expect(
      await suite.app.sql('SELECT 1 FROM pg_database WHERE datname = $1', [report.database]),
    ).toEqual([]);
  });

  it('refuses to restore into a database that has data, and changes nothing there', async () => {
    const service = suite.service(key);
    const [newest] = await service.list();
    const fingerprint = await dataFingerprint(suite.app);
    await expect(restoreDatabase(newest, keys(key), databaseUrlOf(suite.app))).rejects.toThrow(
      /target database is not empty \(table \w+ has rows\)/,
    );
    expect(await dataFingerprint(suite.app)).toBe(fingerprint);
  });

  it('a deleted team is absent from every backup taken after the deletion', async () => {
    const doomed = await seedTeam(suite.app, 'Doomed team');
    const service = suite.service(key);
    const beforeDeletion = await service.run(['daily']);
    for (const table of ['teams', 'memberships', 'items', 'invitations', 'activities']) {
      expect(await readPartText(beforeDeletion.id, table, key)).toContain(doomed.team.id);
    }
    const deleted = await suite.app.gql(
      `mutation ($id: ID!) { deleteTeam(teamId: $id) }`,
      { id: doomed.team.id },
      doomed.team.owner.token,
    );
    expect(deleted.errors).toBeUndefined();

    const afterDeletion = await service.run(['daily']);
    for (const table of afterDeletion.tables) {
      expect(await readPartText(afterDeletion.id, table.name, key)).not.toContain(doomed.team.id);
    }
    const target = await suite.emptyDatabase();
    await restoreDatabase(await service.get(afterDeletion.id), keys(key), target);
    for (const table of ['memberships', 'items', 'invitations', 'activities']) {
      const rows = await queryUrl(target, `SELECT 1 FROM ${table} WHERE team_id = $1`, [
        doomed.team.id,
      ]);
      expect(rows).toEqual([]);
    }
    expect(await queryUrl(target, 'SELECT 1 FROM teams WHERE id = $1', [doomed.team.id])).toEqual(
      [],
    );
  });

  it('refuses an unknown backup id with a clear message', async () => {
    const service = suite.service(key);
    await expect(service.get('20260101T000000Z-abcdef')).rejects.toThrow(BackupRefusedError);
    await expect(service.get('../../etc')).rejects.toThrow(/not a backup id/);
  });
});

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupRefusedError } from '../src/backup/backup-errors';
import { bytes } from '../src/backup/bytes';
import { createDecryptStream, createEncryptStream } from '../src/backup/encryption';
import {
  MANIFEST_FILE,
  parseManifest,
  partsOf,
  serializeManifest,
  type BackupManifest,
} from '../src/backup/manifest';
import { partAad, RowDigest } from '../src/backup/part-io';
import { partMeters, type TableMeter } from '../src/backup/progress';
import { restoreDatabase } from '../src/backup/restore-database';
import { heapRangeCopyTo } from '../src/backup/table-catalog';
import { verifyBackup } from '../src/backup/verify';
import {
  APP_TABLES,
  databaseUrlOf,
  dumpTables,
  keys,
  queryUrl,
  seedTeam,
  testKey,
} from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';

/** Enough items to fill many heap pages, with a few holes where rows were deleted. */
const suite = useBackupSuite(async (app) => {
  const seeded = await seedTeam(app);
  await app.sql(
    `INSERT INTO items (team_id, title, content, created_by_id, updated_by_id, version)
     SELECT $1, 'item ' || n, json_build_object('text', repeat(md5(n::text), 12), 'n', n),
            $2, $2, 1
       FROM generate_series(1, 3000) AS n`,
    [seeded.team.id, seeded.member.id],
  );
  await app.sql(`DELETE FROM items WHERE title LIKE 'item %7'`);
  return seeded;
});
const key = testKey();
/** Small parts, so the test data's items table is split into many. */
const PART_PAGES = 8;

async function itemPages(): Promise<number> {
  const [{ pages }] = await queryUrl<{ pages: string }>(
    databaseUrlOf(suite.app),
    `SELECT pg_relation_size('items') / current_setting('block_size')::bigint AS pages`,
  );
  return Number(pages);
}

describe('format 3: a large table in parts', () => {
  it('splits items into TID ranges whose rows add up, restores and verifies them', async () => {
    const service = suite.service(key, { partPages: PART_PAGES });
    const before = await dumpTables(databaseUrlOf(suite.app));
    const manifest = await service.run(['daily']);
    expect(manifest.format).toBe(3);

    const items = manifest.tables.find((t) => t.name === 'items')!;
    const parts = partsOf(items);
    expect(parts.length).toBe(Math.ceil((await itemPages()) / PART_PAGES));
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.map((p) => p.file)).toEqual(parts.map((_, i) => `items.${i + 1}.copy.gz.enc`));
    // Every row once: the parts add up to the table, none is empty, none repeats another.
    expect(items.rows).toBe(before.items.length);
    expect(parts.reduce((sum, p) => sum + p.rows, 0)).toBe(items.rows);
    for (const part of parts) expect(part.rows).toBeGreaterThan(0);
    expect(new Set(parts.map((p) => p.dataSha256)).size).toBe(parts.length);
    // Small tables stay one part, named as before.
    const users = manifest.tables.find((t) => t.name === 'users')!;
    expect(partsOf(users).map((p) => p.file)).toEqual(['users.copy.gz.enc']);
    for (const table of manifest.tables)
      expect(partsOf(table).reduce((sum, p) => sum + p.rows, 0)).toBe(table.rows);
    expect(manifest.sizeBytes).toBe(
      manifest.tables.flatMap(partsOf).reduce((sum, p) => sum + p.bytes, 0),
    );

    const backup = await service.get(manifest.id);
    const target = await suite.emptyDatabase();
    const result = await restoreDatabase(backup, keys(key), target);
    expect(Object.fromEntries(result.tables.map((t) => [t.name, t.rows]))).toEqual(
      Object.fromEntries(APP_TABLES.map((t) => [t, before[t].length])),
    );
    expect(await dumpTables(target)).toEqual(before);

    const report = await verifyBackup(backup, keys(key), { serverUrl: databaseUrlOf(suite.app) });
    expect(report.ok).toBe(true);
    for (const table of report.tables) {
      expect(table.checksumMatches).toBe(true);
      expect(table.rows).toBe(table.expectedRows);
    }
  });

  it('reads a page range with a TID Range Scan', async () => {
    const copy = heapRangeCopyTo({ name: 'items', columns: ['id'] }, 4, 8);
    const select = copy.slice('COPY ('.length, -') TO STDOUT'.length);
    const plan = await queryUrl<{ 'QUERY PLAN': string }>(
      databaseUrlOf(suite.app),
      `EXPLAIN ${select}`,
    );
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Tid Range Scan on items/);
    expect(heapRangeCopyTo({ name: 'items', columns: ['id'] }, 8, undefined)).toBe(
      `COPY (SELECT "id" FROM "items" WHERE ctid >= '(8,0)'::tid) TO STDOUT`,
    );
  });

  it('a tampered part among several is refused by name before anything is written', async () => {
    const service = suite.service(key, { partPages: PART_PAGES });
    const manifest = await service.run(['daily']);
    const backup = await service.get(manifest.id);
    const second = partsOf(manifest.tables.find((t) => t.name === 'items')!)[1];
    const file = `${backup.location}/${second.file}`;
    const part = readFileSync(file);
    part[part.length >> 1] ^= 0x01;
    writeFileSync(file, bytes(part));
    const target = await suite.emptyDatabase();
    await expect(restoreDatabase(backup, keys(key), target)).rejects.toThrow(BackupRefusedError);
    await expect(restoreDatabase(backup, keys(key), target)).rejects.toThrow(
      /part items\.2\.copy\.gz\.enc does not match its SHA-256/,
    );
    expect(
      await queryUrl(
        target,
        `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`,
      ),
    ).toEqual([]);
  });

  it('an unencrypted backup whose part row count was edited: refused at that part, target emptied', async () => {
    const service = suite.service(undefined, { partPages: PART_PAGES });
    const manifest = await service.run(['daily']);
    const backup = await service.get(manifest.id);
    const path = `${backup.location}/${MANIFEST_FILE}`;
    const json = JSON.parse(readFileSync(path, 'utf8')) as BackupManifest;
    const items = json.tables.find((t) => t.name === 'items')!;
    if (!('parts' in items)) throw new Error('format 3 expected');
    items.parts[1].rows += 1;
    writeFileSync(path, JSON.stringify(json));
    const target = await suite.emptyDatabase();
    await expect(
      restoreDatabase(await service.get(manifest.id), keys(undefined), target),
    ).rejects.toThrow(
      /table items part items\.2\.copy\.gz restored \d+ rows, the manifest says \d+/,
    );
    for (const table of APP_TABLES)
      expect(await queryUrl(target, `SELECT 1 FROM ${table} LIMIT 1`)).toEqual([]);
  });
});

/**
 * Rewrites a backup of single-part tables as format 2 wrote it: one file per table described on
 * the table, parts sealed with the table's AAD (no part index), the manifest signed again.
 */
async function rewriteAsFormat2(location: string, sealKey: Buffer | undefined): Promise<void> {
  const path = `${location}/${MANIFEST_FILE}`;
  const manifest = parseManifest(readFileSync(path, 'utf8'));
  const tables = [];
  for (const table of manifest.tables) {
    if (!('parts' in table) || table.parts.length !== 1) throw new Error('one part per table');
    const [part] = table.parts;
    let stored = readFileSync(`${location}/${part.file}`);
    if (sealKey) {
      const chunks: Uint8Array[] = [];
      const sink = new PassThrough();
      sink.on('data', (chunk: Buffer) => chunks.push(bytes(chunk)));
      await pipeline(
        Readable.from([stored]),
        createDecryptStream(sealKey, partAad(manifest.id, table.name, 0), part.file),
        createEncryptStream(sealKey, partAad(manifest.id, table.name)),
        sink,
      );
      stored = Buffer.concat(chunks);
      writeFileSync(`${location}/${part.file}`, bytes(stored));
    }
    const { parts: _parts, ...rest } = table;
    tables.push({
      ...rest,
      file: part.file,
      bytes: stored.length,
      sha256: createHash('sha256').update(bytes(stored)).digest('hex'),
      dataSha256: part.dataSha256,
    });
  }
  const older: BackupManifest = {
    ...manifest,
    format: 2,
    tables,
    sizeBytes: tables.reduce((sum, t) => sum + t.bytes, 0),
  };
  delete older.mac;
  writeFileSync(path, serializeManifest(older, sealKey));
}

describe('format 2 backups (one file per table) still restore and verify', () => {
  it.each([
    ['encrypted', key],
    ['unencrypted', undefined],
  ])('%s', async (_label, sealKey) => {
    // Default part size: the test data is far below it, so every table is one part.
    const service = suite.service(sealKey);
    const before = await dumpTables(databaseUrlOf(suite.app));
    const manifest = await service.run(['daily']);
    await rewriteAsFormat2((await service.get(manifest.id)).location, sealKey);
    const backup = await service.get(manifest.id);
    expect(backup.manifest.format).toBe(2);
    expect(backup.manifest.tables.every((t) => !('parts' in t))).toBe(true);

    const target = await suite.emptyDatabase();
    await restoreDatabase(backup, keys(sealKey), target);
    expect(await dumpTables(target)).toEqual(before);
    const report = await verifyBackup(backup, keys(sealKey), {
      serverUrl: databaseUrlOf(suite.app),
    });
    expect(report.ok).toBe(true);
  });
});

describe('RowDigest', () => {
  const digestOf = async (streams: string[][]): Promise<{ hex: string; rows: number }> => {
    const digest = new RowDigest();
    for (const chunks of streams)
      await pipeline(
        Readable.from(chunks.map((c) => Buffer.from(c))),
        digest.tap(),
        new PassThrough().resume(),
      );
    return { hex: digest.hex(), rows: digest.rows };
  };

  it('is the same for the same rows in any order, in any number of streams and chunks', async () => {
    const whole = await digestOf([['a\t1\n', 'b\t2\n', 'c\t3\n']]);
    expect(whole.rows).toBe(3);
    expect(await digestOf([['c\t3\nb', '\t2\n'], ['a\t1\n']])).toEqual(whole);
  });

  it('differs when a row differs, is missing or is repeated', async () => {
    const whole = await digestOf([['a\t1\nb\t2\n']]);
    expect((await digestOf([['a\t1\nb\t3\n']])).hex).not.toBe(whole.hex);
    expect((await digestOf([['a\t1\n']])).hex).not.toBe(whole.hex);
    expect((await digestOf([['a\t1\nb\t2\nb\t2\n']])).hex).not.toBe(whole.hex);
  });
});

describe('progress of a table in parts', () => {
  it('shows one table, started by its first part and finished by its last', () => {
    const events: string[] = [];
    const progress = {
      start(table: string, expected: number): TableMeter {
        events.push(`start ${table} ${expected}`);
        return {
          advance: (rows, b) => void events.push(`advance ${rows} ${b}`),
          done: (rows, b) => void events.push(`done ${rows} ${b}`),
        };
      },
    };
    const meters = partMeters(progress, 'items', 30, 2);
    const first = meters(0)!;
    const second = meters(1)!;
    first.advance(5, 50);
    second.advance(7, 70);
    second.done(15, 150);
    first.done(15, 150);
    expect(events).toEqual([
      'start items 30',
      'advance 5 50',
      'advance 12 120',
      'advance 20 200',
      'done 30 300',
    ]);
  });
});

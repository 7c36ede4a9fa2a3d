import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { BackupRefusedError } from '../src/backup/backup-errors';
import { restoreDatabase } from '../src/backup/restore-database';
import { verifyBackup } from '../src/backup/verify';
import { runBackupCommand } from '../src/cli/backup-command';
import {
  backupService,
  databaseUrlOf,
  dumpTables,
  keys,
  queryUrl,
  seedTeam,
  testKey,
} from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';
import { startTestS3, type TestS3 } from './support/s3-server';
import { partsOf } from '../src/backup/manifest';

const suite = useBackupSuite(seedTeam);
let s3: TestS3;
const key = testKey();
const DAY = 24 * 3600 * 1000;
let prefixes = 0;
const freshPrefix = () => `deployments/test-${++prefixes}`;

beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

/** Every object key under a prefix, straight from the bucket. */
async function objectKeys(prefix: string): Promise<string[]> {
  const store = s3.store(prefix);
  const page = await store.client.send(
    new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }),
  );
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

describe('backups in an S3-compatible bucket', () => {
  it('round trip: run, list, status, verify and restore work as on files', async () => {
    const prefix = freshPrefix();
    const service = backupService(databaseUrlOf(suite.app), s3.store(prefix), key);
    const before = await dumpTables(databaseUrlOf(suite.app));
    const manifest = await service.run(['daily']);
    const stored = await objectKeys(prefix);
    expect(stored).toEqual(
      [...manifest.tables.flatMap(partsOf).map((p) => p.file), 'manifest.json']
        .map((file) => `${prefix}/${manifest.id}/${file}`)
        .sort(),
    );
    const [listed] = await service.list();
    expect(listed.manifest).toEqual({ ...manifest, mac: expect.any(String) });
    expect(listed.location).toBe(`s3://${s3.bucket}/${prefix}/${manifest.id}`);

    const report = await verifyBackup(listed, keys(key), { serverUrl: databaseUrlOf(suite.app) });
    expect(report.ok).toBe(true);
    const target = await suite.emptyDatabase();
    await restoreDatabase(await service.get(manifest.id), keys(key), target);
    expect(await dumpTables(target)).toEqual(before);
  });

  it('the CLI works the same with BACKUP_STORAGE=s3://bucket/prefix', async () => {
    const prefix = freshPrefix();
    const out: string[] = [];
    const err: string[] = [];
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrlOf(suite.app),
      BACKUP_STORAGE: `s3://${s3.bucket}/${prefix}`,
      BACKUP_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      BACKUP_ENCRYPTION_KEY: key.toString('base64'),
    };
    const cli = (args: string[]) =>
      runBackupCommand(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(await cli(['status'])).toBe(1);
    expect(out.pop()).toMatch(/^STALE: no backup of database ".+" .* in s3:\/\//);
    expect(await cli(['run', '--json'])).toBe(0);
    const manifest = JSON.parse(out.pop()!) as { id: string };
    expect(await cli(['list', '--json'])).toBe(0);
    expect((JSON.parse(out.pop()!) as { id: string }[]).map((r) => r.id)).toEqual([manifest.id]);
    expect(await cli(['status'])).toBe(0);
    expect(out.pop()).toMatch(/^OK: newest backup of database/);
    expect(await cli(['verify', manifest.id])).toBe(0);
    expect(await cli(['prune'])).toBe(0);
    expect(out.pop()).toBe('1 backups kept, 0 removed');
    expect(err).toEqual([]);
  });

  it('prune removes every object of a backup past 31 days', async () => {
    const prefix = freshPrefix();
    // The bucket's own clock (LastModified) is real time: the fake one moves around it.
    const real = Date.now();
    let now = new Date(real - DAY);
    const service = backupService(databaseUrlOf(suite.app), s3.store(prefix), key, {
      now: () => now,
    });
    const old = await service.run(['monthly']);
    now = new Date(real + 29 * DAY);
    const young = await service.run(['daily']);
    now = new Date(real + 30 * DAY - 60_000);
    expect((await service.prune()).removed).toEqual([]);
    now = new Date(real + 30 * DAY + 60_000);
    const { removed } = await service.prune();
    expect(removed).toEqual([{ id: old.id, reason: 'older than 744 h' }]);
    const left = await objectKeys(prefix);
    expect(left.some((k) => k.includes(old.id))).toBe(false);
    expect(left).toContain(`${prefix}/${young.id}/manifest.json`);
    // Past 31 days of the bucket's own time, whatever the manifest claims.
    now = new Date(real + 31 * DAY + 60_000);
    expect((await service.prune()).removed).toEqual([
      { id: young.id, reason: 'stored more than 744 h ago' },
    ]);
    expect(await objectKeys(prefix)).toEqual([]);
  });

  it('a tampered object is refused by restore and verify, and the target stays empty', async () => {
    const prefix = freshPrefix();
    const store = s3.store(prefix);
    const service = backupService(databaseUrlOf(suite.app), store, key);
    const manifest = await service.run(['daily']);
    const items = manifest.tables.find((t) => t.name === 'items')!;
    const objectKey = `${prefix}/${manifest.id}/${partsOf(items)[0].file}`;
    const original = await store.client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: objectKey }),
    );
    const bytes = Buffer.from(await original.Body!.transformToByteArray());
    bytes[bytes.length - 20] ^= 0x01;
    await store.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: objectKey, Body: new Uint8Array(bytes) }),
    );
    const backup = await service.get(manifest.id);
    const target = await suite.emptyDatabase();
    await expect(restoreDatabase(backup, keys(key), target)).rejects.toThrow(BackupRefusedError);
    await expect(restoreDatabase(backup, keys(key), target)).rejects.toThrow(
      /does not match its SHA-256/,
    );
    expect(
      await queryUrl(
        target,
        `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`,
      ),
    ).toEqual([]);
    await expect(
      verifyBackup(backup, keys(key), { serverUrl: databaseUrlOf(suite.app) }),
    ).rejects.toThrow(/does not match its SHA-256/);
  });

  it('an upload interrupted part-way leaves nothing that looks complete, and nothing at all', async () => {
    const prefix = freshPrefix();
    const service = backupService(databaseUrlOf(suite.app), s3.store(prefix), key);
    let finished = 0;
    await expect(
      service.withLock(true, (client) =>
        service.snapshot(client, ['daily'], {
          progress: {
            start: () => ({
              advance: () => undefined,
              done: () => {
                // Two parts are in the bucket when the connection "drops".
                if (++finished === 2) throw new Error('connection reset');
              },
            }),
          },
        }),
      ),
    ).rejects.toThrow('connection reset');
    expect(await service.list()).toEqual([]);
    const scan = await service.store.scan();
    expect(scan).toMatchObject({ backups: [], invalid: [], unfinished: [] });
    expect(await objectKeys(prefix)).toEqual([]);
  });

  it('a writer that died before its manifest is never listed, and is pruned once abandoned', async () => {
    const prefix = freshPrefix();
    const store = s3.store(prefix);
    let now = new Date();
    const service = backupService(databaseUrlOf(suite.app), store, key, { now: () => now });
    const write = await store.begin('20261201T020000Z-abcdef');
    await write.writePart('users.copy.gz.enc', Readable.from([Buffer.alloc(6 * 2 ** 20, 7)]));
    // The process is gone: no commit, no abort.
    expect(await service.list()).toEqual([]);
    await expect(service.get('20261201T020000Z-abcdef')).rejects.toThrow(/not found in s3:\/\//);
    expect((await store.scan()).unfinished.map((u) => u.name)).toEqual(['20261201T020000Z-abcdef']);
    expect((await service.prune()).removed).toEqual([]);
    now = new Date(now.getTime() + 7 * 3600 * 1000);
    expect((await service.prune()).removed).toEqual([
      { id: '20261201T020000Z-abcdef', reason: 'abandoned write' },
    ]);
    expect(await objectKeys(prefix)).toEqual([]);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupRefusedError } from '../src/backup/backup-errors';
import { backupMetrics } from '../src/backup/backup-metrics';
import { bytes } from '../src/backup/bytes';
import { createDecryptStream, createEncryptStream } from '../src/backup/encryption';
import { MANIFEST_FILE, partsOf } from '../src/backup/manifest';
import { restoreDatabase } from '../src/backup/restore-database';
import { verifyBackup } from '../src/backup/verify';
import {
  backupService,
  databaseUrlOf,
  indexesAndConstraints,
  queryUrl,
  seedTeam,
  testKey,
  keys,
  APP_TABLES,
} from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';

const suite = useBackupSuite(seedTeam);
const key = testKey();

/** `null`: no key (a default parameter would swallow `undefined`). */
const service = (withKey: Buffer | null = key) => suite.service(withKey ?? undefined);

/** A fresh backup and the path of its items part. */
async function freshBackup(withKey: Buffer | null = key) {
  const manifest = await service(withKey).run(['daily']);
  const backup = await service(withKey).get(manifest.id);
  const items = manifest.tables.find((t) => t.name === 'items')!;
  return {
    manifest,
    backup,
    partPath: `${backup.location}/${partsOf(items)[0].file}`,
    manifestPath: `${backup.location}/${MANIFEST_FILE}`,
  };
}

/** Restore and verify both refuse, with `message`, and the restore target stays untouched. */
async function expectRefused(id: string, message: RegExp, keyOrNull: Buffer | null = key) {
  const withKey = keyOrNull ?? undefined;
  const backup = await service(keyOrNull).get(id);
  const target = await suite.emptyDatabase();
  await expect(restoreDatabase(backup, keys(withKey), target)).rejects.toThrow(BackupRefusedError);
  await expect(restoreDatabase(backup, keys(withKey), target)).rejects.toThrow(message);
  // Refused before anything was written: not even the schema.
  expect(
    await queryUrl(target, `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`),
  ).toEqual([]);
  await expect(
    verifyBackup(backup, keys(withKey), { serverUrl: databaseUrlOf(suite.app) }),
  ).rejects.toThrow(message);
}

describe('a tampered or truncated backup is refused by restore and verify', () => {
  it('one flipped byte in a part', async () => {
    const { manifest, partPath } = await freshBackup();
    const part = readFileSync(partPath);
    part[Math.floor(part.length / 2)] ^= 0x01;
    writeFileSync(partPath, bytes(part));
    await expectRefused(
      manifest.id,
      /items\.copy\.gz\.enc does not match its SHA-256 \(tampered or damaged\)/,
    );
  });

  it('a truncated part', async () => {
    const { manifest, partPath } = await freshBackup();
    truncateSync(partPath, readFileSync(partPath).length - 7);
    await expectRefused(
      manifest.id,
      /items\.copy\.gz\.enc is \d+ bytes, the manifest says \d+ \(truncated or altered\)/,
    );
  });

  it('a part swapped for another and the manifest edited to match: the signature fails', async () => {
    const { manifest, partPath, manifestPath } = await freshBackup();
    const forged = bytes(randomBytes(200));
    writeFileSync(partPath, forged);
    const json = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const entry = json.tables.find((t: { name: string }) => t.name === 'items').parts[0];
    entry.bytes = forged.length;
    entry.sha256 = createHash('sha256').update(forged).digest('hex');
    writeFileSync(manifestPath, JSON.stringify(json));
    await expectRefused(manifest.id, /manifest signature does not match/);
  });

  it('an edited row count in the manifest', async () => {
    const { manifest, manifestPath } = await freshBackup();
    const json = JSON.parse(readFileSync(manifestPath, 'utf8'));
    json.tables[0].rows += 1;
    writeFileSync(manifestPath, JSON.stringify(json));
    await expectRefused(manifest.id, /manifest signature does not match/);
  });

  it('an unencrypted backup whose row count was edited: restore empties the target again at the mismatch', async () => {
    const { manifest, manifestPath } = await freshBackup(null);
    const json = JSON.parse(readFileSync(manifestPath, 'utf8'));
    json.tables.find((t: { name: string }) => t.name === 'items').rows += 1;
    writeFileSync(manifestPath, JSON.stringify(json));
    const backup = await service(null).get(manifest.id);
    const target = await suite.emptyDatabase();
    await expect(restoreDatabase(backup, keys(undefined), target)).rejects.toThrow(
      /table items restored \d+ rows, the manifest says \d+/,
    );
    // Nothing of the data stayed, not even the tables loaded before or beside items...
    for (const table of APP_TABLES)
      expect(await queryUrl(target, `SELECT 1 FROM ${table} LIMIT 1`)).toEqual([]);
    // ...and every key, index and foreign key set aside for the load is back.
    expect(await indexesAndConstraints(target)).toEqual(
      await indexesAndConstraints(databaseUrlOf(suite.app)),
    );
    // So the same target takes a good backup afterwards.
    const good = await service(null).run(['daily']);
    await restoreDatabase(await service(null).get(good.id), keys(undefined), target);
    expect((await queryUrl(target, 'SELECT 1 FROM users')).length).toBeGreaterThan(0);
  });

  it('a backup from a schema this version does not know', async () => {
    const { manifest, manifestPath } = await freshBackup(null);
    const json = JSON.parse(readFileSync(manifestPath, 'utf8'));
    json.migration = { timestamp: 9999999999999, name: 'FromTheFuture9999999999999' };
    writeFileSync(manifestPath, JSON.stringify(json));
    const target = await suite.emptyDatabase();
    await expect(
      restoreDatabase(await service(null).get(manifest.id), keys(undefined), target),
    ).rejects.toThrow(
      /taken at schema FromTheFuture9999999999999, which this version does not know/,
    );
    expect(await queryUrl(target, 'SELECT 1 FROM users')).toEqual([]);
  });

  it('a truncated manifest', async () => {
    const { manifest, manifestPath } = await freshBackup();
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').slice(0, 100));
    await expect(service().get(manifest.id)).rejects.toThrow(
      /manifest is not valid JSON \(truncated or damaged\)/,
    );
  });

  it('another key, or no key at all', async () => {
    const { manifest } = await freshBackup();
    await expectRefused(
      manifest.id,
      new RegExp(
        `was sealed with key ${manifest.keyFingerprint}; none of the configured keys fits`,
      ),
      testKey(),
    );
    await expectRefused(manifest.id, /is encrypted: set BACKUP_ENCRYPTION_KEY/, null);
  });
});

describe('AES-256-GCM parts', () => {
  const encrypt = async (data: Buffer, aad: string) => {
    const out: Buffer[] = [];
    const sink = new PassThrough().on('data', (c: Buffer) => out.push(c));
    await pipeline(Readable.from([data]), createEncryptStream(key, aad), sink);
    return Buffer.concat(out.map((b) => new Uint8Array(b)));
  };
  const decrypt = async (data: Buffer, aad: string) => {
    const out: Buffer[] = [];
    const sink = new PassThrough().on('data', (c: Buffer) => out.push(c));
    await pipeline(Readable.from([data]), createDecryptStream(key, aad, 'part'), sink);
    return Buffer.concat(out.map((b) => new Uint8Array(b))).toString();
  };

  it('round-trips, and refuses a flipped bit, a cut tail or a part moved to another table', async () => {
    const sealed = await encrypt(Buffer.from('hello backup'), 'b/items');
    expect(await decrypt(sealed, 'b/items')).toBe('hello backup');
    const flipped = Buffer.from(new Uint8Array(sealed));
    flipped[20] ^= 0x80;
    await expect(decrypt(flipped, 'b/items')).rejects.toThrow(/authentication failed/);
    await expect(decrypt(sealed.subarray(0, sealed.length - 3), 'b/items')).rejects.toThrow(
      /authentication failed/,
    );
    await expect(decrypt(sealed.subarray(0, 10), 'b/items')).rejects.toThrow(/truncated/);
    await expect(decrypt(sealed, 'b/users')).rejects.toThrow(/authentication failed/);
  });
});

describe('a failed backup leaves nothing that looks like a backup', () => {
  it('removes its temporary files, lists nothing new and counts the failure', async () => {
    const before = await service().store.scan();
    const failures = (await backupMetrics.failures.get()).values[0]?.value ?? 0;
    let written = 0;
    await expect(
      service().withLock(true, (client) =>
        service().snapshot(client, ['daily'], {
          progress: {
            start: () => ({
              advance: () => undefined,
              done: () => {
                written += 1;
                if (written === 3) throw new Error('disk full');
              },
            }),
          },
        }),
      ),
    ).rejects.toThrow('disk full');
    const scan = await service().store.scan();
    expect(scan.backups).toEqual(before.backups);
    expect(scan.unfinished).toEqual([]);
    expect(scan.invalid).toEqual(before.invalid);
    expect((await backupMetrics.failures.get()).values[0].value).toBe(failures + 1);
  });

  it('a backup against an unreachable database fails and writes nothing', async () => {
    const dead = backupService('postgres://postgres@127.0.0.1:1/none', suite.storage.dir, key);
    const before = (await dead.store.scan()).backups.length;
    await expect(dead.run(['daily'])).rejects.toMatchObject({ code: 'ECONNREFUSED', port: 1 });
    const scan = await dead.store.scan();
    expect(scan.backups).toHaveLength(before);
    expect(scan.unfinished).toEqual([]);
  });
});

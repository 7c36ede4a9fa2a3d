import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BackupService } from '../src/backup/backup-service';
import { createBackupScheduler, createBackupService } from '../src/backup/backup-from-config';
import { FileBackupStore } from '../src/backup/file-store';
import { keyFingerprint, KeyRing } from '../src/backup/key-ring';
import { restoreDatabase } from '../src/backup/restore-database';
import { verifyBackup } from '../src/backup/verify';
import { runBackupCommand } from '../src/cli/backup-command';
import { ConfigError, loadConfig } from '../src/config/config';
import { createLogger } from '../src/logging/logger';
import {
  databaseUrlOf,
  dumpTables,
  keys,
  queryUrl,
  seedTeam,
  tempBackupDir,
  testKey,
} from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';

const suite = useBackupSuite(seedTeam);
const oldKey = testKey();
const newKey = testKey();

describe('key rotation', () => {
  it('after a rotation, backups sealed with the old key still restore and verify', async () => {
    const before = await dumpTables(databaseUrlOf(suite.app));
    const sealedOld = await suite.service(oldKey).run(['daily']);
    expect(sealedOld.keyFingerprint).toBe(keyFingerprint(oldKey));

    // Rotated: the new key seals, the old one only opens.
    const rotated = suite.service(newKey, {
      older: [oldKey],
    });
    const sealedNew = await rotated.run(['daily']);
    expect(sealedNew.keyFingerprint).toBe(keyFingerprint(newKey));
    expect(sealedNew.keyFingerprint).not.toBe(sealedOld.keyFingerprint);

    for (const manifest of [sealedOld, sealedNew]) {
      const target = await suite.emptyDatabase();
      await restoreDatabase(await rotated.get(manifest.id), rotated.keys, target);
      expect(await dumpTables(target)).toEqual(before);
      const report = await verifyBackup(await rotated.get(manifest.id), rotated.keys, {
        serverUrl: databaseUrlOf(suite.app),
      });
      expect(report.ok).toBe(true);
    }
  });

  it('says which key a backup needs when none of the configured keys fits', async () => {
    const manifest = await suite.service(oldKey).run(['daily']);
    const onlyNew = suite.service(newKey);
    const target = await suite.emptyDatabase();
    const backup = await onlyNew.get(manifest.id);
    const message = new RegExp(
      `backup ${manifest.id} was sealed with key ${keyFingerprint(oldKey)}; none of the configured keys fits \\(BACKUP_ENCRYPTION_KEY and BACKUP_DECRYPTION_KEYS have ${keyFingerprint(newKey)}\\)`,
    );
    await expect(restoreDatabase(backup, onlyNew.keys, target)).rejects.toThrow(message);
    await expect(
      verifyBackup(backup, onlyNew.keys, { serverUrl: databaseUrlOf(suite.app) }),
    ).rejects.toThrow(message);
    expect(
      await queryUrl(
        target,
        `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`,
      ),
    ).toEqual([]);
    await expect(restoreDatabase(backup, keys(null), target)).rejects.toThrow(
      /is encrypted: set BACKUP_ENCRYPTION_KEY \(or BACKUP_DECRYPTION_KEYS\)/,
    );
  });

  it('a manifest records a fingerprint, never the key in any spelling', () => {
    for (const id of readdirSync(suite.storage.dir)) {
      const text = readFileSync(path.join(suite.storage.dir, id, 'manifest.json'), 'utf8');
      for (const key of [oldKey, newKey]) {
        for (const spelling of [
          key.toString('base64'),
          key.toString('hex'),
          key.toString('base64url'),
        ])
          expect(text).not.toContain(spelling);
      }
    }
  });

  it('BACKUP_DECRYPTION_KEYS takes a comma-separated list and refuses a bad key without echoing it', async () => {
    const base = { NODE_ENV: 'test' };
    const config = loadConfig({
      ...base,
      BACKUP_DECRYPTION_KEYS: `${oldKey.toString('base64')}, ${newKey.toString('base64')}`,
    });
    expect(config.BACKUP_DECRYPTION_KEYS).toEqual([oldKey, newKey]);
    const bad = oldKey.subarray(0, 20).toString('base64');
    const err: string[] = [];
    const code = await runBackupCommand(
      ['prune'],
      {
        ...base,
        BACKUP_DIR: suite.storage.dir,
        BACKUP_DECRYPTION_KEYS: `${newKey.toString('base64')},${bad}`,
      },
      { out: () => undefined, err: (line) => err.push(line) },
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/BACKUP_DECRYPTION_KEYS: key 2 must be 32 bytes in base64/);
    expect(err.join('\n')).not.toContain(bad);
  });
});

describe('encryption is required by the scheduler in production', () => {
  const production = {
    NODE_ENV: 'production',
    BACKUP_SCHEDULER: 'off',
    LOG_LEVEL: 'silent',
    TOTP_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
    CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 9).toString('base64'),
  };

  it('the scheduler refuses to run without BACKUP_ENCRYPTION_KEY, saying so', () => {
    const config = loadConfig({ ...production, BACKUP_DIR: suite.storage.dir });
    const service = createBackupService(config, createLogger('silent'));
    expect(() => createBackupScheduler(config, service)).toThrow(ConfigError);
    expect(() => createBackupScheduler(config, service)).toThrow(
      /BACKUP_ENCRYPTION_KEY: required when NODE_ENV=production: the backup scheduler does not write unencrypted backups/,
    );
  });

  it('`backup worker` exits 2 with that message and writes nothing', async () => {
    const dir = tempBackupDir();
    const err: string[] = [];
    try {
      const code = await runBackupCommand(
        ['worker'],
        { ...production, DATABASE_URL: databaseUrlOf(suite.app), BACKUP_DIR: dir.dir },
        {
          out: () => undefined,
          err: (line) => err.push(line),
          untilSignal: () => new Promise(() => undefined),
        },
      );
      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(/BACKUP_ENCRYPTION_KEY: required when NODE_ENV=production/);
      expect(readdirSync(dir.dir)).toEqual([]);
    } finally {
      dir.remove();
    }
  });

  it('in development an unencrypted scheduler logs exactly one warning', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', {}, { write: (line: string) => void lines.push(line) });
    const config = loadConfig({ NODE_ENV: 'development', BACKUP_DIR: suite.storage.dir });
    const service = new BackupService({
      ...createBackupService(config, logger, databaseUrlOf(suite.app)).options,
      store: new FileBackupStore(tempBackupDir().dir),
      keys: new KeyRing(undefined),
      now: () => new Date('2026-11-25T10:00:00Z'),
    });
    const scheduler = createBackupScheduler(config, service);
    await scheduler.start();
    await scheduler.stop();
    const warnings = lines
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((entry) => entry.level === 40);
    expect(warnings.map((w) => w.msg)).toEqual([
      'backups are not encrypted: set BACKUP_ENCRYPTION_KEY (required when NODE_ENV=production)',
    ]);
  });
});

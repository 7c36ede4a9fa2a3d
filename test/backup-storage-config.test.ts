import fc from 'fast-check';
import path from 'node:path';
import { parseS3Url } from '../src/config/s3-location';
import { backupDir } from '../src/config/backup-config';
import { loadConfig } from '../src/config/config';

describe('BACKUP_STORAGE', () => {
  it('takes file or s3://bucket/prefix, and says what it wants otherwise', () => {
    expect(loadConfig({}).BACKUP_STORAGE).toEqual({ kind: 'file' });
    expect(loadConfig({ BACKUP_STORAGE: 's3://team-backups/prod/eu/' }).BACKUP_STORAGE).toEqual({
      kind: 's3',
      bucket: 'team-backups',
      prefix: 'prod/eu',
    });
    expect(loadConfig({ BACKUP_STORAGE: 's3://team-backups' }).BACKUP_STORAGE).toEqual({
      kind: 's3',
      bucket: 'team-backups',
      prefix: '',
    });
    for (const bad of [
      's3://',
      'S3://Bad_Bucket/x',
      'ftp://host/x',
      's3://ok-bucket/../etc',
      '/srv',
    ]) {
      expect(() => loadConfig({ BACKUP_STORAGE: bad })).toThrow(
        /BACKUP_STORAGE: must be "file" or s3:\/\/<bucket>\/<prefix>/,
      );
    }
    expect(loadConfig({}).BACKUP_S3_REGION).toBe('us-east-1');
    expect(() => loadConfig({ BACKUP_S3_ENDPOINT: 'not a url' })).toThrow(/BACKUP_S3_ENDPOINT/);
  });

  it('never yields a prefix that climbs out, or a bucket S3 would not accept (generated input)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (bucket, rest) => {
        const parsed = parseS3Url(`s3://${bucket}/${rest}`);
        if (!parsed) return;
        expect(parsed.bucket).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
        expect(parsed.prefix.split('/')).not.toContain('..');
        expect(parsed.prefix.startsWith('/') || parsed.prefix.endsWith('/')).toBe(false);
      }),
    );
  });

  it('the default BACKUP_DIR stays under DATA_DIR/backups, one plain folder name per database (generated input)', () => {
    fc.assert(
      fc.property(fc.webUrl(), fc.string({ maxLength: 30 }), (url, name) => {
        const databaseUrl = `${url.replace(/^https?/, 'postgres')}/${encodeURIComponent(name)}`;
        let parsed: URL;
        try {
          parsed = new URL(databaseUrl);
        } catch {
          return;
        }
        const dir = backupDir({ DATA_DIR: '.data', DATABASE_URL: parsed.toString() });
        expect(path.dirname(dir)).toBe(path.join('.data', 'backups'));
        expect(path.basename(dir)).toMatch(/^[A-Za-z0-9_.-]+$/);
        expect(path.basename(dir)).not.toMatch(/^\.\.?$/);
      }),
    );
  });
});

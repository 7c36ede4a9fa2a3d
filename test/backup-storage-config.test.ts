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
        `Invalid configuration:\n  BACKUP_STORAGE: must be "file" or s3://<bucket>/<prefix> (got ${JSON.stringify(bad)})`,
      );
    }
    expect(loadConfig({}).BACKUP_S3_REGION).toBe('us-east-1');
    expect(() => loadConfig({ BACKUP_S3_ENDPOINT: 'not a url' })).toThrow(
      'Invalid configuration:\n  BACKUP_S3_ENDPOINT: Invalid URL (got "not a url")',
    );
  });

  // Buckets S3 accepts (3..63 of a-z, 0-9, '.', '-', starting and ending with a letter or digit)
  // and prefixes of plain segments: every such pair must parse to exactly itself.
  const bucketChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.-'.split(''));
  const bucketEdge = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
  const validBucket = fc
    .tuple(bucketEdge, fc.array(bucketChar, { minLength: 1, maxLength: 61 }), bucketEdge)
    .map(([first, middle, last]) => first + middle.join('') + last);
  const plainSegment = fc
    .stringMatching(/^[A-Za-z0-9_.-]{1,12}$/)
    .filter((segment) => segment !== '.' && segment !== '..');
  const plainPrefix = fc.array(plainSegment, { maxLength: 4 }).map((parts) => parts.join('/'));

  it('takes every bucket S3 accepts with a plain prefix, as it is (generated input)', () => {
    fc.assert(
      fc.property(validBucket, plainPrefix, (bucket, prefix) => {
        expect(parseS3Url(`s3://${bucket}/${prefix}`)).toEqual({ bucket, prefix });
        expect(parseS3Url(`s3://${bucket}//${prefix}/`)).toEqual({ bucket, prefix });
      }),
    );
  });

  it('never yields a prefix that climbs out, or a bucket S3 would not accept (generated input)', () => {
    // Half the buckets are valid, so most cases reach the prefix rules instead of failing early;
    // the property is checked on what was refused as well as on what was taken.
    const bucket = fc.oneof(
      validBucket,
      fc.string({ maxLength: 80 }).filter((text) => !text.includes('/')),
    );
    const rest = fc.oneof(
      plainPrefix,
      fc.string({ maxLength: 80 }),
      fc
        .array(fc.oneof(plainSegment, fc.constantFrom('..', '.', '')), { maxLength: 5 })
        .map((parts) => parts.join('/')),
    );
    fc.assert(
      fc.property(bucket, rest, (bucketText, restText) => {
        const parsed = parseS3Url(`s3://${bucketText}/${restText}`);
        const bucketIsValid = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucketText);
        const trimmed = restText.replace(/^\/+|\/+$/g, '');
        const climbs = trimmed.split('/').some((segment) => segment === '..' || segment === '.');
        // Every case asserts: refused exactly when the bucket or the prefix is not allowed, and
        // otherwise taken as the bucket and the prefix without its outer slashes.
        expect(parsed).toEqual(
          bucketIsValid && !climbs ? { bucket: bucketText, prefix: trimmed } : undefined,
        );
        if (parsed) {
          expect(parsed.prefix.split('/')).not.toContain('..');
          expect(parsed.prefix.startsWith('/') || parsed.prefix.endsWith('/')).toBe(false);
        }
      }),
    );
  });

  it('the default BACKUP_DIR stays under DATA_DIR/backups, one plain folder name per database (generated input)', () => {
    fc.assert(
      fc.property(fc.webUrl(), fc.string({ maxLength: 30 }), (url, name) => {
        const databaseUrl = `${url.replace(/^https?/, 'postgres')}/${encodeURIComponent(name)}`;
        // A web URL with its scheme swapped is still a URL: no case is skipped.
        const parsed = new URL(databaseUrl);
        const dir = backupDir({ DATA_DIR: '.data', DATABASE_URL: parsed.toString() });
        expect(path.dirname(dir)).toBe(path.join('.data', 'backups'));
        expect(path.basename(dir)).toMatch(/^[A-Za-z0-9_.-]+$/);
        expect(path.basename(dir)).not.toMatch(/^\.\.?$/);
      }),
    );
  });
});

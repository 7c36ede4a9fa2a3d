import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startS3Server, type LocalS3 } from '../../bench/lib/s3-server';
import { S3BackupStore } from '../../src/backup/s3-store';

export interface TestS3 extends LocalS3 {
  /** A store on its own prefix of the bucket. */
  store(prefix: string): S3BackupStore;
}

/** A real S3-compatible server on a free loopback port, its data in a temporary folder. */
export async function startTestS3(bucket = 'teamgraph-backups'): Promise<TestS3> {
  const server = await startS3Server(mkdtempSync(path.join(tmpdir(), 'teamgraph-s3-')), bucket);
  return {
    ...server,
    store: (prefix) =>
      new S3BackupStore({
        bucket,
        prefix,
        endpoint: server.endpoint,
        region: 'us-east-1',
        credentials: server.credentials,
      }),
  };
}

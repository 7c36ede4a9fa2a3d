import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3BackupStore } from '../../src/backup/s3-store';

// s3rver ships no types: the little of it used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
};

/** s3rver's built-in account. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** A store on its own prefix of the bucket. */
  store(prefix: string): S3BackupStore;
  stop(): Promise<void>;
}

/** A real S3-compatible server on a free loopback port, its data in a temporary folder. */
export async function startTestS3(bucket = 'teamgraph-backups'): Promise<TestS3> {
  const directory = mkdtempSync(path.join(tmpdir(), 'teamgraph-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    store: (prefix) =>
      new S3BackupStore({
        bucket,
        prefix,
        endpoint,
        region: 'us-east-1',
        credentials: S3_CREDENTIALS,
      }),
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

import { mkdirSync, rmSync } from 'node:fs';

// s3rver ships no types: the little of it used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
};

/** A local S3-compatible server (s3rver), for the benchmarks and the test suites. */
export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** s3rver's built-in account. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stops the server and removes its objects (once; later calls do nothing). */
  stop(): Promise<void>;
}

/** A local S3-compatible server on a free loopback port, its objects under `directory`. */
export async function startS3Server(
  directory: string,
  bucket = 'teamgraph-bench',
): Promise<LocalS3> {
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

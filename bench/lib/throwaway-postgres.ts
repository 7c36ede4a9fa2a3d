import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports';
import { startPostgresCluster } from '../../src/db/postgres-cluster';

export interface ThrowawayPostgres {
  /** The `postgres` superuser's URL on the `postgres` database. */
  adminUrl: string;
  port: number;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

/**
 * A PostgreSQL of its own on a free loopback port, its files in a temporary folder: the
 * server's own embedded runner (as root it runs as `postgres` and moves what that user cannot
 * reach). For the benchmarks and the test suites when no server is given; `flags` are extra
 * `postgres` settings.
 */
export async function startThrowawayPostgres(
  label: string,
  password: string,
  flags: string[],
): Promise<ThrowawayPostgres> {
  const port = await freePort();
  const parent = mkdtempSync(path.join(tmpdir(), `teamgraph-${label}-pg-`));
  // When run as root the server runs as the `postgres` user, which must reach this folder.
  chmodSync(parent, 0o755);
  const cluster = await startPostgresCluster({
    dataDir: path.join(parent, 'data'),
    port,
    user: 'postgres',
    password,
    flags: ['-c', 'listen_addresses=127.0.0.1', ...flags],
    runtimeDir: parent,
    log: () => undefined,
  });
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await cluster.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

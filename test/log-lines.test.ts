import { spawn } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { createLogger } from '../src/logging/logger';
import { inRequestScope } from '../src/logging/request-scope';
import { apolloLogger } from '../src/server/apollo-logger';
import { PRODUCTION_ENV } from './support/production-env';
import { createScratchDatabase } from './support/scratch-database';
import { startServerProcess } from './support/server-process';

/**
 * Operators parse the log: one JSON object per line, always — also when an anonymous client
 * sends a WebSocket frame over the 64 KiB limit (a warning without a stack, not the library's
 * multi-line print). On a developer's terminal the same lines are readable, and the ready line
 * names the API and playground URLs.
 */
const ROOT = path.join(__dirname, '..');

let database: Awaited<ReturnType<typeof createScratchDatabase>>;
beforeAll(async () => {
  database = await createScratchDatabase();
});
afterAll(() => database?.drop());

it('an oversized WebSocket frame is one warning line without a stack; every line is JSON', async () => {
  const server = await startServerProcess({
    ...PRODUCTION_ENV,
    DATABASE_URL: database.url,
  });
  try {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    socket.send('x'.repeat(70 * 1024));
    expect(await closed).toBe(1009);
    await server.stop();
    const entries = server.logEntries();
    const warning = entries.find((e) => e.event === 'ws.client_error');
    expect(warning).toMatchObject({ level: 40, code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' });
    expect(JSON.stringify(warning)).not.toMatch(/stack|at \w+ \(/);
    expect(entries.filter((e) => Number(e.level) >= 50)).toEqual([]);
    expect(entries.map((e) => e.event)).toContain('shutdown.done');
  } finally {
    await server.stop();
  }
}, 60_000);

it('on a development terminal the lines are readable and the ready line shows the URLs', async () => {
  // `script` gives the server a pseudo-terminal, as a developer's shell would.
  const command = [
    process.execPath,
    '-r',
    path.join(__dirname, 'support', 'swc-register.cjs'),
    path.join(ROOT, 'src', 'main.ts'),
  ]
    .map((part) => `'${part}'`)
    .join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      TERM: 'dumb',
      NODE_ENV: 'development',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      BACKUP_SCHEDULER: 'off',
      RATE_LIMITS: 'off',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const closed = new Promise((resolve) => child.once('close', resolve));
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/teamgraph listening.*playground/.test(output)) resolve();
    });
    child.once('exit', () => reject(new Error(`exited before listening:\n${output}`)));
  });
  try {
    await ready;
    const line = output.split(/\r?\n/).find((l) => l.includes('teamgraph listening'))!;
    expect(line).toMatch(
      /INFO.*teamgraph listening: API http:\/\/127\.0\.0\.1:\d+\/graphql {2}playground http/,
    );
    expect(output).not.toContain('{"level"');
  } finally {
    // `script` ends on the signal and the server with its terminal; the suite goes on (and
    // drops the database) only once both are gone.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await closed;
  }
}, 60_000);

it("Apollo's own lines are JSON and name the request they happened in", () => {
  const lines: string[] = [];
  const logger = createLogger('info', {}, { write: (line: string) => void lines.push(line) });
  const apollo = apolloLogger(logger);
  inRequestScope('req-apollo-1', () =>
    apollo.error(
      'Unexpected error processing request: RangeError: Maximum call stack size exceeded',
    ),
  );
  apollo.warn(new Error('outside any request'));
  const [inRequest, outside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(inRequest).toMatchObject({ level: 50, component: 'apollo', requestId: 'req-apollo-1' });
  expect(outside).toMatchObject({ level: 40, requestId: null, msg: 'outside any request' });
  expect(outside.err).toMatchObject({ message: 'outside any request' });
});

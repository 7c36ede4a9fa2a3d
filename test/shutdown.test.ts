import { request, type ClientRequest } from 'node:http';
import WebSocket from 'ws';
import { startServerProcess, useBuiltServer } from './support/built-server';
import { waitUntil } from './support/wait-until';
import { onFreshConnection } from './support/fresh-connection';

/**
 * SIGTERM on the real built server: it stops accepting, finishes in-flight requests, closes
 * sockets with 1001, closes its pool and exits 0 — within SHUTDOWN_TIMEOUT.
 */
const built = useBuiltServer();

const env = (extra: Record<string, string> = {}) => ({
  NODE_ENV: 'test',
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  DATABASE_URL: built.databaseUrl,
  DB_POOL_SIZE: '3',
  RATE_LIMITS: 'off',
  BACKUP_SCHEDULER: 'off',
  // No drain period: these cases are about what a stop does once it stops accepting.
  SHUTDOWN_DRAIN: '0',
  ...extra,
});

/** Requests to /graphql the server has received and not yet answered (its own gauge). */
async function graphqlInFlight(url: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const value = /^teamgraph_http_requests_in_flight\{route="\/graphql"\} (\S+)$/m.exec(text)?.[1];
  return Number(value ?? 0);
}

/** Until the server has the half-sent request: signalling before that would test nothing. */
const serverHolds = (url: string) =>
  waitUntil(async () => (await graphqlInFlight(url)) === 1, 'the request to be in flight');

/** A POST whose body is sent in two parts, so the request is in flight while we signal. */
function slowPost(
  url: string,
  body: string,
): { req: ClientRequest; finish(): void; reply: Promise<{ status: number; body: string }> } {
  const { port, pathname } = new URL(url);
  let req!: ClientRequest;
  const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return { req, reply, finish: () => req.end(body.slice(half)) };
}

const serverConnections = async () => {
  const { Client } = await import('pg');
  const admin = new Client({ connectionString: built.databaseUrl });
  await admin.connect();
  try {
    const name = new URL(built.databaseUrl).pathname.slice(1);
    const rows = await admin.query(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    return rows.rows[0].n as number;
  } finally {
    await admin.end();
  }
};

it('drains: finishes the in-flight request, closes sockets with 1001, exits 0, pool closed', async () => {
  const server = await startServerProcess(built.mainJs, env({ SHUTDOWN_TIMEOUT: '8s' }));
  const wsUrl = server.url.replace(/^http/, 'ws');
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const socketClosed = new Promise<number>((resolve) =>
    socket.once('close', (code) => resolve(code)),
  );
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await new Promise((resolve) => socket.once('message', resolve));
  expect(await serverConnections()).toBeGreaterThan(0);

  const inFlight = slowPost(server.url, JSON.stringify({ query: 'query InFlight { __typename }' }));
  await serverHolds(server.url);
  const signalled = Date.now();
  server.child.kill('SIGTERM');

  expect(await socketClosed).toBe(1001);
  // New connections are refused: the server stopped listening before it closed the sockets.
  expect(await onFreshConnection(server.url)).toBe('ECONNREFUSED');
  // The request that was in flight still gets its full answer.
  inFlight.finish();
  const reply = await inFlight.reply;
  expect(reply.status).toBe(200);
  expect(JSON.parse(reply.body)).toEqual({ data: { __typename: 'Query' } });

  const exit = await server.exited;
  expect(exit.code).toBe(0);
  expect(Date.now() - signalled).toBeLessThan(8_000);
  const events = server.lines.map((l) => l.event);
  expect(events).toEqual(expect.arrayContaining(['shutdown.start', 'shutdown.done']));
  expect(events).not.toContain('shutdown.deadline');
  expect(await serverConnections()).toBe(0);
}, 60_000);

it('exits within the deadline even when a client never finishes its request', async () => {
  const server = await startServerProcess(built.mainJs, env({ SHUTDOWN_TIMEOUT: '3s' }));
  const stuck = slowPost(server.url, JSON.stringify({ query: '{ __typename }' }));
  stuck.reply.catch(() => undefined);
  await serverHolds(server.url);
  const signalled = Date.now();
  server.child.kill('SIGTERM');
  const exit = await server.exited;
  const took = Date.now() - signalled;
  expect(took).toBeLessThan(3_000 + 1_500);
  expect(exit.code === 0 || exit.code === 1).toBe(true);
  stuck.req.destroy();
}, 60_000);

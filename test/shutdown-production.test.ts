import { Agent, request } from 'node:http';
import { Client } from 'pg';
import { startServerProcess, useBuiltServer, type ServerProcess } from './support/built-server';
import { PRODUCTION_ENV } from './support/production-env';
import { waitUntil } from './support/wait-until';

/**
 * SIGTERM on the built server in production mode, on the external PostgreSQL (and Redis when
 * REDIS_URL is set), with 30 mutations in flight on 30 keep-alive connections: every client
 * gets its full answer, the committed rows are exactly the successful answers, readiness says
 * "stopping", sockets are not left open, and the process logs `shutdown.done` and exits 0.
 */
const IN_FLIGHT = 30;
const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.log('shutdown-production: REDIS_URL not set, running without Redis');

let server: ServerProcess | undefined;
// Registered first, so it runs before the build and the database go.
afterAll(() => {
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
});
const built = useBuiltServer();

interface Reply {
  status: number;
  connection: string | undefined;
  body: string;
}

/** One POST on its own keep-alive connection; resolves with the answer or rejects (reset). */
function post(url: string, body: unknown, headers: Record<string, string>, agent: Agent) {
  const text = JSON.stringify(body);
  const target = new URL(url);
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(text)),
          ...headers,
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: data }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

function get(url: string, agent: Agent) {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: data }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** How long each wait on the server's state may take before the test fails. */
const WAIT_MS = 20_000;

it('answers all 30 in-flight mutations, commits exactly those, and exits 0 quickly', async () => {
  const env: Record<string, string> = {
    ...PRODUCTION_ENV,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATABASE_URL: built.databaseUrl,
    // Exactly one connection per mutation: a readiness check sent after them has to wait.
    DB_POOL_SIZE: String(IN_FLIGHT),
    SHUTDOWN_TIMEOUT: '15s',
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
  server = await startServerProcess(built.mainJs, env);
  const { url } = server;
  const setupAgent = new Agent({ keepAlive: false });
  const signUp = await post(
    url,
    {
      query: 'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }',
      variables: {
        input: {
          email: 'owner@example.com',
          password: 'Quartz-Lantern-Meadow-47!',
          displayName: 'Owner',
        },
      },
    },
    {},
    setupAgent,
  );
  const token = JSON.parse(signUp.body).data.signUp.token as string;
  const auth = { authorization: `Bearer ${token}` };
  const team = await post(
    url,
    { query: 'mutation { createTeam(input: { name: "Drain" }) { id } }' },
    auth,
    setupAgent,
  );
  const teamId = JSON.parse(team.body).data.createTeam.id as string;

  // Hold the team's row lock: every createItem waits for it inside its transaction.
  const holder = new Client({ connectionString: built.databaseUrl });
  const observer = new Client({ connectionString: built.databaseUrl });
  await Promise.all([holder.connect(), observer.connect()]);
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM teams WHERE id = $1 FOR UPDATE', [teamId]);

  const agents = Array.from({ length: IN_FLIGHT }, () => new Agent({ keepAlive: true }));
  const replies = agents.map((agent, i) =>
    post(
      url,
      {
        query:
          'mutation ($t: ID!, $i: CreateItemInput!) { createItem(teamId: $t, input: $i) { id } }',
        variables: { t: teamId, i: { title: `in flight ${i}`, content: { n: i } } },
      },
      auth,
      agent,
    ).then(
      (reply) => ({ ok: true as const, reply }),
      (error: Error) => ({ ok: false as const, error }),
    ),
  );
  const lockWaiters = async () => {
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows[0].n;
  };
  await waitUntil(
    async () => (await lockWaiters()) === IN_FLIGHT,
    'every mutation to be waiting',
    WAIT_MS,
  );

  // A readiness check on a keep-alive connection, received but queued for a pool connection.
  const probeAgent = new Agent({ keepAlive: true });
  const metricsAgent = new Agent({ keepAlive: false });
  const readiness = get(new URL('/readyz', url).toString(), probeAgent);
  await waitUntil(
    async () => {
      const metrics = await get(new URL('/metrics', url).toString(), metricsAgent);
      return /^teamgraph_db_pool_waiting 1$/m.test(metrics.body);
    },
    'the readiness check to be waiting for the pool',
    WAIT_MS,
  );

  const signalled = process.hrtime.bigint();
  server.child.kill('SIGTERM');
  await waitUntil(
    async () => server!.lines.some((l) => l.event === 'shutdown.start'),
    'shutdown',
    WAIT_MS,
  );
  // New connections are refused from now on.
  await expect(fetch(new URL('/healthz', url))).rejects.toMatchObject({
    cause: { code: 'ECONNREFUSED' },
  });
  await holder.query('COMMIT');
  await holder.end();

  const outcomes = await Promise.all(replies);
  const answeredAt = process.hrtime.bigint();
  const exit = await server.exited;
  const exitedAt = process.hrtime.bigint();
  const stopMs = Number(exitedAt - signalled) / 1e6;
  const afterLastAnswerMs = Number(exitedAt - answeredAt) / 1e6;
  const ready = await readiness;

  const failures = outcomes.filter((o) => !o.ok);
  expect(failures.map((f) => !f.ok && f.error.message)).toEqual([]);
  const answered = outcomes.flatMap((o) => (o.ok ? [o.reply] : []));
  const succeeded = answered.filter(
    (r) => r.status === 200 && JSON.parse(r.body).data?.createItem?.id,
  );
  // Keep-alive clients are told the connection ends with this answer.
  expect(answered.map((r) => r.connection)).toEqual(answered.map(() => 'close'));
  const { rows } = await observer.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM items WHERE team_id = $1`,
    [teamId],
  );
  expect(rows[0].n).toBe(succeeded.length);
  expect(succeeded.length).toBe(IN_FLIGHT);
  expect(ready.status).toBe(503);
  expect(JSON.parse(ready.body).status).toBe('stopping');

  expect(exit).toEqual({ code: 0, signal: null });
  const events = server.lines.map((l) => l.event);
  expect(events).toContain('shutdown.done');
  expect(events).not.toContain('shutdown.deadline');
  const done = server.lines.find((l) => l.event === 'shutdown.done')!;
  console.log(
    `shutdown-production: ${IN_FLIGHT} mutations in flight; stop took ${Math.round(stopMs)} ms ` +
      `from SIGTERM to exit (server: ${String(done.durationMs)} ms), of which the mutations ` +
      `(serialised on one team's lock) ran ${Math.round(stopMs - afterLastAnswerMs)} ms and ` +
      `closing after the last answer ${Math.round(afterLastAnswerMs)} ms`,
  );
  // The pool is closed: the server's connections end (PostgreSQL removes each backend as it
  // sees the Terminate message, a moment after the process is gone).
  await waitUntil(
    async () => {
      const left = await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      return left.rows[0].n === 0;
    },
    'the server connections to end',
    10_000,
  );
  await observer.end();
  for (const agent of [...agents, probeAgent, metricsAgent, setupAgent]) agent.destroy();
}, 120_000);

import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { Client } from 'pg';
import { startServerProcess, useBuiltServer, type ServerProcess } from './support/built-server';
import { PRODUCTION_ENV } from './support/production-env';
import { RawSocket } from './support/raw-socket';
import { waitUntil } from './support/wait-until';
import { onFreshConnection } from './support/fresh-connection';

/**
 * SIGTERM on the built server in production mode, on the external PostgreSQL (and Redis when
 * REDIS_URL is set), with 30 mutations in flight on 30 keep-alive connections: every client
 * gets its full answer, the committed rows are exactly the successful answers, readiness says
 * "stopping", sockets are not left open, and the process logs `shutdown.done` and exits 0.
 */
const IN_FLIGHT = 30;
const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.log('shutdown-production: REDIS_URL not set, running without Redis');

const started: ServerProcess[] = [];
// Registered first, so it runs before the build and the database go.
afterAll(() => {
  for (const server of started) if (server.child.exitCode === null) server.child.kill('SIGKILL');
});
const built = useBuiltServer();

interface Reply {
  status: number;
  connection: string | undefined;
  body: string;
}

/**
 * One POST through `agent`: `sent` resolves once the whole request is handed to the kernel,
 * `reply` with the answer (or rejects: a reset).
 */
function send(url: string, body: unknown, headers: Record<string, string>, agent: Agent) {
  const text = JSON.stringify(body);
  const target = new URL(url);
  let sent!: Promise<void>;
  const reply = new Promise<Reply>((resolve, reject) => {
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
    sent = new Promise((done) => req.once('finish', done));
    req.end(text);
  });
  return { sent, reply };
}

const post = (url: string, body: unknown, headers: Record<string, string>, agent: Agent) =>
  send(url, body, headers, agent).reply;

/** Signs up an owner and creates a team, on connections of their own. */
async function ownerWithTeam(url: string, email: string) {
  const setupAgent = new Agent({ keepAlive: false });
  const signUp = await post(
    url,
    {
      query: 'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }',
      variables: {
        input: {
          email,
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
  setupAgent.destroy();
  return { token, auth, teamId: JSON.parse(team.body).data.createTeam.id as string };
}

const CREATE_ITEM =
  'mutation ($t: ID!, $i: CreateItemInput!) { createItem(teamId: $t, input: $i) { id } }';

/** The number of this database's sessions waiting for a lock. */
async function lockWaiters(observer: Client): Promise<number> {
  const { rows } = await observer.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return rows[0].n;
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

/** The built server in production configuration on the suite's database (and Redis). */
const serverEnv = (extra: Record<string, string>): Record<string, string> => ({
  ...PRODUCTION_ENV,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  DATABASE_URL: built.databaseUrl,
  ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  ...extra,
});

/** How long each wait on the server's state may take before the test fails. */
const WAIT_MS = 20_000;

it('answers all 30 in-flight mutations, commits exactly those, and exits 0 quickly', async () => {
  const server = await startServerProcess(
    built.mainJs,
    serverEnv({
      // Exactly one connection per mutation: a readiness check sent after them has to wait.
      DB_POOL_SIZE: String(IN_FLIGHT),
      SHUTDOWN_TIMEOUT: '15s',
      // Refused at once: the drain period has its own test below.
      SHUTDOWN_DRAIN: '0',
    }),
  );
  started.push(server);
  const { url } = server;
  const { auth, teamId } = await ownerWithTeam(url, 'owner@example.com');

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
        query: CREATE_ITEM,
        variables: { t: teamId, i: { title: `in flight ${i}`, content: { n: i } } },
      },
      auth,
      agent,
    ).then(
      (reply) => ({ ok: true as const, reply }),
      (error: Error) => ({ ok: false as const, error }),
    ),
  );
  await waitUntil(
    async () => (await lockWaiters(observer)) === IN_FLIGHT,
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
    async () => server.lines.some((l) => l.event === 'shutdown.start'),
    'shutdown',
    WAIT_MS,
  );
  // New connections are refused from now on.
  expect(await onFreshConnection(url)).toBe('ECONNREFUSED');
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
  for (const agent of [...agents, probeAgent, metricsAgent]) agent.destroy();
}, 120_000);

/** Two requests written back to back on one connection; resolves with all it received. */
function pipelined(url: string, bodies: unknown[], headers: Record<string, string>) {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const requests = bodies.map((body) => {
    const text = JSON.stringify(body);
    return (
      `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\n${head}` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`
    );
  });
  const sent = new Promise<void>((resolve) => socket.write(requests.join(''), () => resolve()));
  const received = new Promise<string>((resolve) => {
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('close', () => resolve(data));
    socket.on('error', () => undefined);
  });
  return { sent, received };
}

const itemIds = (text: string) =>
  [...text.matchAll(/"createItem":\{"id":"([^"]+)"\}/g)].map((m) => m[1]);

it('a deploy loses no answer: drain period, unread requests, pipelining, a stalled socket', async () => {
  const DRAIN_MS = 3_000;
  const TIMEOUT_MS = 12_000;
  const server = await startServerProcess(
    built.mainJs,
    serverEnv({
      DB_POOL_SIZE: '24',
      SHUTDOWN_DRAIN: `${DRAIN_MS}ms`,
      SHUTDOWN_TIMEOUT: `${TIMEOUT_MS}ms`,
    }),
  );
  started.push(server);
  const { url } = server;
  const { token, auth, teamId } = await ownerWithTeam(url, 'deployer@example.com');
  let n = 0;
  const createItem = () => ({
    query: CREATE_ITEM,
    variables: { t: teamId, i: { title: `deploy ${++n}`, content: { n } } },
  });
  const settled = (reply: Promise<Reply>) =>
    reply.then(
      (answer) => ({ ok: true as const, answer }),
      (error: Error) => ({ ok: false as const, error: error.message }),
    );

  // A subscriber whose client stops reading: it will never answer the server's close frame.
  const stalled = await RawSocket.open(url.replace(/^http/, 'ws'), { token });
  stalled.pause();

  // Kept-alive connections, each already used once, and fresh ones.
  const keptAlive = Array.from({ length: 8 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  await Promise.all(keptAlive.map((agent) => get(new URL('/healthz', url).toString(), agent)));
  const fresh = () => new Agent({ keepAlive: false });

  // In flight: mutations waiting for the team's row lock on kept-alive and fresh connections,
  // and two pipelined on one connection.
  const holder = new Client({ connectionString: built.databaseUrl });
  const observer = new Client({ connectionString: built.databaseUrl });
  await Promise.all([holder.connect(), observer.connect()]);
  // Should an assertion fail first, the suite's end drops the database under them.
  for (const client of [holder, observer]) client.on('error', () => undefined);
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM teams WHERE id = $1 FOR UPDATE', [teamId]);
  const inFlight = [
    ...keptAlive.slice(0, 4).map((agent) => send(url, createItem(), auth, agent)),
    ...Array.from({ length: 4 }, () => send(url, createItem(), auth, fresh())),
  ];
  const pair = pipelined(url, [createItem(), createItem()], auth);
  await waitUntil(
    async () => (await lockWaiters(observer)) === inFlight.length + 2,
    'the in-flight mutations to wait for the lock',
    WAIT_MS,
  );

  // Sent but not read: the process is stopped while the requests reach its kernel buffers.
  server.child.kill('SIGSTOP');
  const unread = [
    ...keptAlive.slice(4).map((agent) => send(url, createItem(), auth, agent)),
    ...Array.from({ length: 4 }, () => send(url, createItem(), auth, fresh())),
  ];
  await Promise.all(unread.map((r) => r.sent));
  const signalled = process.hrtime.bigint();
  server.child.kill('SIGTERM');
  server.child.kill('SIGCONT');
  const answers = [...inFlight, ...unread].map((r) => settled(r.reply));

  // Not ready at once, yet still serving new connections during the drain.
  const probe = fresh();
  await waitUntil(
    async () => (await get(new URL('/readyz', url).toString(), probe)).status === 503,
    'readiness to report the stop',
    WAIT_MS,
  );
  expect(server.lines.map((l) => l.event)).not.toContain('shutdown.closing');
  const duringDrain = settled(send(url, createItem(), auth, fresh()).reply);
  await waitUntil(
    () => server.lines.some((l) => l.event === 'shutdown.closing'),
    'the drain period to end',
    WAIT_MS,
  );
  expect(await onFreshConnection(url)).toBe('ECONNREFUSED');
  await holder.query('COMMIT');
  await holder.end();

  const outcomes = await Promise.all([...answers, duringDrain]);
  const exit = await server.exited;
  const stopMs = Number(process.hrtime.bigint() - signalled) / 1e6;

  expect(outcomes.flatMap((o) => (o.ok ? [] : [o.error]))).toEqual([]);
  const replies = outcomes.flatMap((o) => (o.ok ? [o.answer] : []));
  expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
  expect(replies.map((r) => r.connection)).toEqual(replies.map(() => 'close'));
  const pairText = await pair.received;
  const answeredIds = [...replies.flatMap((r) => itemIds(r.body)), ...itemIds(pairText)];
  // Both pipelined requests are answered; only the second answer ends the connection.
  expect(itemIds(pairText)).toHaveLength(2);
  expect(pairText.match(/^connection: close\r$/gim)).toHaveLength(1);
  // Every committed mutation has its answer, and every answer its row.
  const { rows } = await observer.query<{ id: string }>('SELECT id FROM items WHERE team_id = $1', [
    teamId,
  ]);
  expect(answeredIds).toHaveLength(n);
  expect(rows.map((r) => r.id).sort()).toEqual([...answeredIds].sort());

  // The stalled socket was closed with 1001 and cut, instead of holding the stop.
  expect(exit).toEqual({ code: 0, signal: null });
  expect(stopMs).toBeLessThan(TIMEOUT_MS);
  const events = server.lines.map((l) => l.event);
  expect(events).toContain('shutdown.done');
  expect(events).not.toContain('shutdown.deadline');
  stalled.resume();
  expect((await stalled.closed).code).toBe(1001);
  console.log(
    `shutdown-production: deploy with a ${DRAIN_MS} ms drain, ${n} mutations (in flight, ` +
      `unread, pipelined, during the drain) answered; SIGTERM to exit ${Math.round(stopMs)} ms`,
  );
  await observer.end();
  for (const agent of [...keptAlive, probe]) agent.destroy();
}, 120_000);

it('with no drain period, requests already sent when the stop begins are read and answered', async () => {
  const server = await startServerProcess(built.mainJs, serverEnv({ SHUTDOWN_DRAIN: '0' }));
  started.push(server);
  const { url } = server;
  const query = { query: '{ __typename }' };
  const keptAlive = Array.from({ length: 4 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  await Promise.all(keptAlive.map((agent) => get(new URL('/healthz', url).toString(), agent)));

  // Sent while the process is stopped: in its kernel buffers (and backlog), not read yet.
  server.child.kill('SIGSTOP');
  const unread = [
    ...keptAlive.map((agent) => send(url, query, {}, agent)),
    ...Array.from({ length: 4 }, () => send(url, query, {}, new Agent({ keepAlive: false }))),
  ];
  await Promise.all(unread.map((r) => r.sent));
  server.child.kill('SIGTERM');
  server.child.kill('SIGCONT');

  const outcomes = await Promise.all(
    unread.map((r) =>
      r.reply.then(
        (answer) => answer.status,
        (error: Error) => error.message,
      ),
    ),
  );
  expect(outcomes).toEqual(unread.map(() => 200));
  expect(await server.exited).toEqual({ code: 0, signal: null });
  for (const agent of keptAlive) agent.destroy();
}, 60_000);

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import { PRODUCTION_ENV } from './support/production-env';
import { RawSocket } from './support/raw-socket';
import { createScratchDatabase } from './support/scratch-database';
import { startServerProcess, type ServerProcess } from './support/server-process';

/**
 * Every JSON-valued position of a request, nested as deep as 100,000 levels, over HTTP and
 * WebSocket, against the server as production runs it (its own process, in development and
 * production configuration): no 5xx, no 4500 close, the contract's answer for the position,
 * and every line the process writes is JSON, with no error line. The nesting is written as
 * text, so nothing recursive runs on the test's side either. Seeded; FUZZ_RUNS makes
 * `npm run fuzz` a longer run.
 */
const RUNS = fuzzRuns(2);
const { seed: SEED } = fuzzSeed(3030);
const WS_MAX_FRAME = 64 * 1024;

const SIGN_UP = `mutation ($i: SignUpInput!) { signUp(input: $i) { token } }`;
const CREATE_ITEM = `mutation ($t: ID!, $input: CreateItemInput!) { createItem(teamId: $t, input: $input) { id } }`;
const GOOD = JSON.stringify({
  email: 'deep@example.com',
  password: 'Quartz-Lantern-Meadow-47!',
  displayName: 'Deep',
});
const q = (text: string) => JSON.stringify(text);

const nested = (depth: number, shape: 'array' | 'object') =>
  shape === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** A JSON text nested up to 100,000 levels, as arrays or as objects. */
const nesting = fc
  .record({
    depth: fc.constantFrom(100_000, 30_000, 1_000, 41),
    shape: fc.constantFrom('array', 'object'),
  })
  .map(({ depth, shape }) => nested(depth, shape));

/** Run every time: 100,000 levels, and the deepest that fits a socket frame (about 60 KB). */
const EXAMPLES: [string][] = [[nested(100_000, 'array')], [nested(30_000, 'array')]];

interface HttpPosition {
  /** A POST body, or a GET query string when `get`. */
  body(deep: string): string;
  get?: boolean;
  headers?(deep: string): Record<string, string>;
  /** A malformed bearer header that fits: the answer to a bad token. */
  answersAsBadToken?: boolean;
}

/** The positions of an HTTP request; every refusal is 400 BAD_USER_INPUT (431: headers too large). */
const HTTP_POSITIONS: Record<string, HttpPosition> = {
  'a declared variable': { body: (d) => `{"query":${q(SIGN_UP)},"variables":{"i":${d}}}` },
  'an undeclared variable': {
    body: (d) => `{"query":${q(SIGN_UP)},"variables":{"i":${GOOD},"x":${d}}}`,
  },
  'a field of an input variable': {
    body: (d) =>
      `{"query":${q(SIGN_UP)},"variables":{"i":{"email":${d},"password":"p","displayName":"d"}}}`,
  },
  'item content': {
    body: (d) =>
      `{"query":${q(CREATE_ITEM)},"variables":{"t":"${randomUUID()}","input":{"title":"x","content":${d}}}}`,
  },
  'an idempotency-keyed request': {
    body: (d) => `{"query":${q(SIGN_UP)},"variables":{"i":${GOOD},"x":${d}}}`,
    headers: () => ({ 'idempotency-key': randomUUID() }),
  },
  extensions: { body: (d) => `{"query":"{ __typename }","extensions":{"x":${d}}}` },
  'the persisted query': { body: (d) => `{"extensions":{"persistedQuery":${d}}}` },
  'the persisted-query hash': {
    body: (d) => `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":${d}}}}`,
  },
  'the query': { body: (d) => `{"query":${d}}` },
  'the operation name': { body: (d) => `{"query":"{ __typename }","operationName":${d}}` },
  'the body itself': { body: (d) => d },
  'GET variables': {
    get: true,
    body: (d) => `query=${encodeURIComponent('{ __typename }')}&variables=${encodeURIComponent(d)}`,
  },
  'GET extensions': {
    get: true,
    body: (d) =>
      `query=${encodeURIComponent('{ __typename }')}&extensions=${encodeURIComponent(d)}`,
  },
  'a header value': {
    body: () => `{"query":"{ __typename }"}`,
    headers: (d) => ({ authorization: d }),
    answersAsBadToken: true,
  },
};

/** What a socket position answers when its frame fits: an operation error, a 4400 close, or a result. */
type SocketAnswer = 'BAD_USER_INPUT' | 4400 | 'result';

interface SocketPosition {
  frame(deep: string): string;
  /** Sent before connection_init (its own position), or on an acknowledged socket. */
  init: boolean;
  answer: SocketAnswer;
}

const subscribe = (payload: string) => `{"id":"op","type":"subscribe","payload":${payload}}`;

const SOCKET_POSITIONS: Record<string, SocketPosition> = {
  'subscribe: a declared variable': {
    init: true,
    frame: (d) => subscribe(`{"query":${q(SIGN_UP)},"variables":{"i":${d}}}`),
    answer: 'BAD_USER_INPUT',
  },
  'subscribe: an undeclared variable': {
    init: true,
    frame: (d) => subscribe(`{"query":"{ __typename }","variables":{"x":${d}}}`),
    answer: 'BAD_USER_INPUT',
  },
  'subscribe: extensions': {
    init: true,
    frame: (d) => subscribe(`{"query":"{ __typename }","extensions":{"x":${d}}}`),
    answer: 'BAD_USER_INPUT',
  },
  'subscribe: the query': { init: true, frame: (d) => subscribe(`{"query":${d}}`), answer: 4400 },
  'subscribe: the operation name': {
    init: true,
    frame: (d) => subscribe(`{"query":"{ __typename }","operationName":${d}}`),
    answer: 4400,
  },
  'subscribe: a key no one reads': {
    init: true,
    frame: (d) => subscribe(`{"query":"{ __typename }","unread":${d}}`),
    answer: 'result',
  },
  'the subscribe payload itself': { init: true, frame: (d) => subscribe(d), answer: 4400 },
  'connection_init payload': {
    init: false,
    frame: (d) => `{"type":"connection_init","payload":${d}}`,
    answer: 4400,
  },
  'ping payload': { init: true, frame: (d) => `{"type":"ping","payload":${d}}`, answer: 4400 },
  'pong payload': { init: true, frame: (d) => `{"type":"pong","payload":${d}}`, answer: 4400 },
  'the frame itself': { init: true, frame: (d) => d, answer: 4400 },
};

async function sendHttp(server: ServerProcess, position: HttpPosition, deep: string) {
  const body = position.body(deep);
  const response = position.get
    ? await fetch(`${server.url}?${body}`, { headers: { 'apollo-require-preflight': 'true' } })
    : await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...position.headers?.(deep) },
        body,
      });
  const text = await response.text();
  const code =
    response.status === 431
      ? null
      : (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]
          ?.extensions?.code;
  return { status: response.status, code };
}

async function sendOnSocket(server: ServerProcess, position: SocketPosition, deep: string) {
  const socket = await RawSocket.open(server.wsUrl, { init: position.init });
  try {
    socket.send(position.frame(deep));
    await socket.until(
      () =>
        socket.isClosed() ||
        socket.messages.some((m) => m.id === 'op' && (m.type === 'error' || m.type === 'complete')),
      'an answer or a close',
      30_000,
    );
    if (socket.isClosed()) return (await socket.closed).code;
    const error = socket.messages.find((m) => m.id === 'op' && m.type === 'error');
    if (!error) return 'result';
    return (error.payload as { extensions?: { code?: string } }[])[0].extensions?.code;
  } finally {
    await socket.close();
  }
}

describe.each([
  ['development', { NODE_ENV: 'development' }],
  ['production', PRODUCTION_ENV],
])('every JSON position nested deep, %s configuration', (_name, env) => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let server: ServerProcess;
  beforeAll(async () => {
    database = await createScratchDatabase();
    server = await startServerProcess({ ...env, DATABASE_URL: database.url });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it.each(Object.entries(HTTP_POSITIONS))(
    'HTTP, %s: 400 BAD_USER_INPUT (431 for headers over the limit), never a 5xx',
    async (_what, position) => {
      await fc.assert(
        fc.asyncProperty(nesting, async (deep) => {
          const { status, code } = await sendHttp(server, position, deep);
          const headersTooLarge = position.get || position.headers !== undefined;
          if (status === 431) expect(headersTooLarge).toBe(true);
          else if (position.answersAsBadToken)
            // A bad token, or past the address's budget of bad tokens.
            expect([
              { status: 401, code: 'UNAUTHENTICATED' },
              { status: 429, code: 'RATE_LIMITED' },
            ]).toContainEqual({ status, code });
          else expect({ status, code }).toEqual({ status: 400, code: 'BAD_USER_INPUT' });
        }),
        { numRuns: RUNS, seed: SEED, examples: EXAMPLES },
      );
    },
    120_000,
  );

  it.each(Object.entries(SOCKET_POSITIONS))(
    'WebSocket, %s: the contract answer (1009 for a frame over 64 KiB), never 4500',
    async (_what, position) => {
      await fc.assert(
        fc.asyncProperty(nesting, async (deep) => {
          const answer = await sendOnSocket(server, position, deep);
          const oversized = Buffer.byteLength(position.frame(deep)) > WS_MAX_FRAME;
          expect(answer).toBe(oversized ? 1009 : position.answer);
        }),
        { numRuns: RUNS, seed: SEED, examples: EXAMPLES },
      );
    },
    120_000,
  );

  it('wrote only JSON lines, none of them an error, client faults with a request id', async () => {
    await server.stop();
    const entries = server.logEntries();
    expect(entries.filter((e) => Number(e.level) >= 50)).toEqual([]);
    const faults = entries.filter((e) => /client_error$/.test(String(e.event)));
    expect(faults.length).toBeGreaterThan(0);
    for (const fault of faults) expect(typeof fault.requestId).toBe('string');
    expect(entries.map((e) => e.event)).toContain('shutdown.done');
  });
});

import { createHash, randomUUID } from 'node:crypto';
import { dataFingerprint } from './support/counts';
import { PRODUCTION_ENV } from './support/production-env';
import { RawSocket } from './support/raw-socket';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The contract's answers to request shapes (API.md "Conventions", SECURITY.md #4): JSON values
 * bounded at the edge before anything walks them, undeclared variables, another charset,
 * malformed persisted-query hashes, nested input paths and mutations over GET — over HTTP and,
 * where the concept applies, WebSocket, in development and production configuration.
 */
const SIGN_UP = `mutation ($i: SignUpInput!) { signUp(input: $i) { token } }`;
const GOOD_SIGN_UP = () => ({
  email: `bounded-${randomUUID()}@example.com`,
  password: 'Quartz-Lantern-Meadow-47!',
  displayName: 'Bounded',
});

/** Raw JSON text nested `depth` levels: built as text, so no recursive code builds or reads it. */
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

interface Answer {
  status: number;
  headers: Headers;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  data?: unknown;
}

async function postRaw(
  app: TestApp,
  body: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const json = (await response.json()) as Omit<Answer, 'status' | 'headers'>;
  return { status: response.status, headers: response.headers, ...json };
}

const bodyWith = (fields: Record<string, string>) =>
  `{${Object.entries(fields)
    .map(([key, raw]) => `${JSON.stringify(key)}:${raw}`)
    .join(',')}}`;

/** Refused with 400 and BAD_USER_INPUT naming `field`, and no row changed. */
async function refused(app: TestApp, send: () => Promise<Answer>, field: string) {
  const before = await dataFingerprint(app);
  const answer = await send();
  expect({ status: answer.status, extensions: answer.errors?.[0]?.extensions }).toEqual({
    status: 400,
    extensions: { code: 'BAD_USER_INPUT', field },
  });
  expect(await dataFingerprint(app)).toBe(before);
}

describe.each([
  ['development', {}],
  ['production', PRODUCTION_ENV],
])('in %s configuration', (_name, env) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(env);
  });
  afterAll(() => app?.stop());

  describe('JSON values are bounded at the edge', () => {
    it('refuses an undeclared variable nested 9,000 deep on an idempotent mutation with 400, not 500', async () => {
      await refused(
        app,
        () =>
          postRaw(
            app,
            bodyWith({
              query: JSON.stringify(SIGN_UP),
              variables: `{"i":${JSON.stringify(GOOD_SIGN_UP())},"x":${deepArray(9_000)}}`,
            }),
            { 'idempotency-key': randomUUID() },
          ),
        'variables.x',
      );
    });

    it('refuses a declared variable nested 100,000 deep', async () => {
      const body = bodyWith({
        query: JSON.stringify(SIGN_UP),
        variables: `{"i":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
      });
      await refused(app, () => postRaw(app, body), 'variables.i');
    });

    it('refuses extensions nested 100,000 deep', async () => {
      const body = bodyWith({
        query: JSON.stringify('{ __typename }'),
        extensions: `{"tracing":${deepArray(100_000)}}`,
      });
      await refused(app, () => postRaw(app, body), 'extensions.tracing');
    });

    it('refuses deep variables in a GET query string', async () => {
      const url = `${app.url}?query=${encodeURIComponent('{ __typename }')}&variables=${encodeURIComponent(`{"x":${deepArray(2_000)}}`)}`;
      const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
      const json = (await response.json()) as { errors: { extensions: unknown }[] };
      expect({ status: response.status, extensions: json.errors[0].extensions }).toEqual({
        status: 400,
        extensions: { code: 'BAD_USER_INPUT', field: 'variables.x' },
      });
    });

    it('refuses an undeclared variable, however shallow, and runs nothing', async () => {
      const i = GOOD_SIGN_UP();
      await refused(
        app,
        () => postRaw(app, JSON.stringify({ query: SIGN_UP, variables: { i, extra: 1 } })),
        'variables.extra',
      );
      const users = await app.sql('SELECT 1 FROM users WHERE email = $1', [i.email]);
      expect(users).toEqual([]);
    });

    it('accepts values nested as deep as inputs need', async () => {
      const answer = await postRaw(
        app,
        JSON.stringify({ query: SIGN_UP, variables: { i: GOOD_SIGN_UP() } }),
        { 'idempotency-key': randomUUID() },
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.status).toBe(200);
    });
  });

  describe('protocol answers over HTTP', () => {
    it.each(['utf-7', 'UTF-16', 'iso-8859-1'])(
      'answers a body in charset=%s with 415 and runs nothing',
      async (charset) => {
        const i = GOOD_SIGN_UP();
        const answer = await postRaw(app, JSON.stringify({ query: SIGN_UP, variables: { i } }), {
          'content-type': `application/json; charset=${charset}`,
        });
        expect(answer.status).toBe(415);
        expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(await app.sql('SELECT 1 FROM users WHERE email = $1', [i.email])).toEqual([]);
      },
    );

    it('accepts charset=utf-8, in any case and quoted', async () => {
      for (const charset of ['utf-8', 'UTF-8', '"utf-8"']) {
        const answer = await postRaw(app, JSON.stringify({ query: '{ __typename }' }), {
          'content-type': `application/json; charset=${charset}`,
        });
        expect({ charset, status: answer.status }).toEqual({ charset, status: 200 });
      }
    });

    it.each([
      ['a number', 12345],
      ['a 100 KB string', 'a'.repeat(100 * 1024)],
      ['upper-case hex', 'A'.repeat(64)],
      ['63 digits', 'a'.repeat(63)],
      ['missing', undefined],
    ])('refuses a persisted-query hash that is %s with BAD_USER_INPUT', async (_what, hash) => {
      const body = JSON.stringify({
        extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      });
      await refused(app, () => postRaw(app, body), 'extensions.persistedQuery.sha256Hash');
    });

    it('answers a well-formed unknown hash with PERSISTED_QUERY_NOT_FOUND (200, as APQ clients expect)', async () => {
      const hash = createHash('sha256').update(randomUUID()).digest('hex');
      const answer = await postRaw(
        app,
        JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
      );
      expect(answer.status).toBe(200);
      expect(answer.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    });

    it('names a wrongly typed field nested in an input variable by its path', async () => {
      const signUpWith = (i: Record<string, unknown>) => () =>
        postRaw(
          app,
          JSON.stringify({ query: SIGN_UP, variables: { i: { ...GOOD_SIGN_UP(), ...i } } }),
        );
      await refused(app, signUpWith({ email: 7 }), 'variables.i.email');
      await refused(app, signUpWith({ extra: 1 }), 'variables.i.extra');
      await refused(app, () => postRaw(app, JSON.stringify({ query: SIGN_UP })), 'variables.i');
    });

    it('names a wrongly typed field of an input written in the document by its path', async () => {
      const literal = (input: string) => () =>
        postRaw(app, JSON.stringify({ query: `mutation { signUp(input: ${input}) { token } }` }));
      await refused(
        app,
        literal('{ email: 7, password: "Quartz-Lantern-Meadow-47!", displayName: "x" }'),
        'input.email',
      );
      await refused(
        app,
        literal('{ email: "a@b.c", password: "p", displayName: "x", extra: 1 }'),
        'input.extra',
      );
    });

    it('answers a mutation over GET and Allow: POST, and runs nothing', async () => {
      const i = GOOD_SIGN_UP();
      const url = `${app.url}?query=${encodeURIComponent(SIGN_UP)}&variables=${encodeURIComponent(JSON.stringify({ i }))}`;
      const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      const json = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(await app.sql('SELECT 1 FROM users WHERE email = $1', [i.email])).toEqual([]);
    });
  });

  describe('the same answers over WebSocket', () => {
    let socket: RawSocket;
    beforeEach(async () => {
      socket = await RawSocket.open(app.wsUrl);
    });
    afterEach(() => socket.close());

    /** The operation's error extensions; the socket stays open (a client error, not a fault). */
    async function refusedOnSocket(frame: string, id: string) {
      const start = socket.messages.length;
      socket.send(frame);
      await socket.until(
        () => socket.isClosed() || socket.messages.slice(start).some((m) => m.id === id),
        `an answer to ${id}`,
        30_000,
      );
      expect(socket.isClosed()).toBe(false);
      const answer = socket.messages.slice(start).find((m) => m.id === id)!;
      expect(answer.type).toBe('error');
      return (answer.payload as { extensions?: unknown }[])[0].extensions;
    }

    const subscribeFrame = (id: string, payload: Record<string, string>) =>
      `{"id":"${id}","type":"subscribe","payload":${bodyWith(payload)}}`;

    it('refuses variables and extensions nested as deep as a frame holds', async () => {
      // 30,000 levels fill about 60 KB, under the 64 KiB frame limit.
      const deep = deepArray(30_000);
      expect(
        await refusedOnSocket(
          subscribeFrame('v', {
            query: JSON.stringify(SIGN_UP),
            variables: `{"i":${JSON.stringify(GOOD_SIGN_UP())},"x":${deep}}`,
          }),
          'v',
        ),
      ).toEqual({ code: 'BAD_USER_INPUT', field: 'variables.x' });
      expect(
        await refusedOnSocket(
          subscribeFrame('e', { query: '"{ __typename }"', extensions: `{"x":${deep}}` }),
          'e',
        ),
      ).toEqual({ code: 'BAD_USER_INPUT', field: 'extensions.x' });
    });

    it('refuses undeclared variables, malformed hashes and nested bad input by path', async () => {
      const send = (id: string, payload: unknown) =>
        refusedOnSocket(JSON.stringify({ id, type: 'subscribe', payload }), id);
      expect(
        await send('u', { query: SIGN_UP, variables: { i: GOOD_SIGN_UP(), extra: true } }),
      ).toEqual({ code: 'BAD_USER_INPUT', field: 'variables.extra' });
      expect(
        await send('h', {
          query: '{ __typename }',
          extensions: { persistedQuery: { version: 1, sha256Hash: 42 } },
        }),
      ).toEqual({ code: 'BAD_USER_INPUT', field: 'extensions.persistedQuery.sha256Hash' });
      expect(
        await send('n', { query: SIGN_UP, variables: { i: { ...GOOD_SIGN_UP(), email: 7 } } }),
      ).toEqual({ code: 'BAD_USER_INPUT', field: 'variables.i.email' });
      expect(
        await send('l', {
          query: `mutation { signUp(input: { email: 7, password: "p", displayName: "x" }) { token } }`,
        }),
      ).toEqual({ code: 'BAD_USER_INPUT', field: 'input.email' });
    });
  });

  it.each(['connection_init', 'ping', 'pong'])(
    'closes a socket whose %s payload nests too deep with 4400, not 4500',
    async (type) => {
      const socket = await RawSocket.open(app.wsUrl, { init: false });
      socket.send(`{"type":"${type}","payload":{"x":${deepArray(30_000)}}}`);
      expect((await socket.closed).code).toBe(4400);
    },
  );
});

import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { STRONG_PASSWORD, buildUser } from './factories/user.factory';
import { errorCode, startTestApp, type TestApp } from './support/test-app';
import { describeWithRedis, requiredRedisUrl } from './support/redis-available';

/** CORS allow-list, compression, automatic persisted queries; Redis-shared APQ and limits. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({
    CORS_ORIGINS: 'https://app.example, https://admin.example',
    METRICS_TOKEN: 'metrics-secret-123',
  });
});
afterAll(() => app?.stop());

const preflight = (origin: string) =>
  fetch(app.url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization',
    },
  });

describe('CORS allow-list', () => {
  it('answers a listed origin’s preflight', async () => {
    const response = await preflight('https://app.example');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  });

  it('gives an unlisted origin no CORS grant', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'null']) {
      const response = await preflight(origin);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const post = await fetch(app.url, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('metrics access', () => {
  it('needs the METRICS_TOKEN bearer when one is configured', async () => {
    const metrics = new URL('/metrics', app.url);
    expect((await fetch(metrics)).status).toBe(401);
    expect((await fetch(metrics, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(metrics, { headers: { authorization: 'Bearer metrics-secret-123' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('teamgraph_http_request_duration_seconds');
  });
});

describe('compression', () => {
  it('compresses a large response and leaves a small one alone', async () => {
    const large = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      body: JSON.stringify({
        query: '{ __schema { types { name description fields { name description } } } }',
      }),
    });
    expect(large.headers.get('content-encoding')).toBe('gzip');
    const text = await large.text();
    expect(text.length).toBeGreaterThan(8 * 1024);
    expect((JSON.parse(text) as { data: unknown }).data).toBeTruthy();
    const small = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(small.headers.get('content-encoding')).toBeNull();
  });

  it('leaves a response of a few KiB alone: under the threshold of 8 KiB', async () => {
    const response = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      body: JSON.stringify({ query: '{ __schema { types { name } } }' }),
    });
    expect(response.headers.get('content-encoding')).toBeNull();
    const size = (await response.text()).length;
    expect(size).toBeGreaterThan(1024);
    expect(size).toBeLessThan(8 * 1024);
  });
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function persisted(target: TestApp, hash: string, query?: string) {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query,
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
    }),
  });
  return (await response.json()) as {
    data?: unknown;
    errors?: { extensions?: { code?: string } }[];
  };
}

describe('automatic persisted queries', () => {
  it('asks for an unknown hash, then serves it by hash alone', async () => {
    const query = `query Apq${randomUUID().replace(/-/g, '')} { __typename }`;
    const hash = sha256(query);
    expect((await persisted(app, hash)).errors?.[0]?.extensions?.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    expect((await persisted(app, hash, query)).data).toEqual({ __typename: 'Query' });
    expect((await persisted(app, hash)).data).toEqual({ __typename: 'Query' });
  });

  it('refuses a query whose hash does not match', async () => {
    const result = await persisted(app, sha256('{ somethingElse }'), '{ __typename }');
    expect(result.data ?? null).toBeNull();
    expect(
      errorCode({
        status: 400,
        data: null,
        errors: result.errors as never,
        headers: new Headers(),
      }),
    ).toBe('BAD_USER_INPUT');
  });
});

describeWithRedis('hardening-edge', 'with REDIS_URL, across two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  const clearIpBudget = () => redis.del('teamgraph:rl:logInPerIp:127.0.0.1');
  beforeAll(async () => {
    redis = new Redis(requiredRedisUrl());
    await clearIpBudget();
    // Two instances on one database, as behind a load balancer.
    a = await startTestApp({ REDIS_URL: requiredRedisUrl(), RATE_LIMITS: 'on' });
    b = await startTestApp({
      REDIS_URL: requiredRedisUrl(),
      RATE_LIMITS: 'on',
      DATABASE_URL: a.app.services.config.DATABASE_URL!,
    });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await clearIpBudget();
    redis?.disconnect();
  });

  it('reports Redis in /readyz', async () => {
    const ready = await fetch(new URL('/readyz', a.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ database: 'ok', redis: 'ok' });
  });

  it('knows on one instance a persisted query registered on the other', async () => {
    const query = `query Shared${randomUUID().replace(/-/g, '')} { __typename }`;
    const hash = sha256(query);
    expect((await persisted(b, hash)).errors?.[0]?.extensions?.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    expect((await persisted(a, hash, query)).data).toEqual({ __typename: 'Query' });
    expect((await persisted(b, hash)).data).toEqual({ __typename: 'Query' });
    expect(await redis.ttl(`teamgraph:apq:apq:${hash}`)).toBeGreaterThan(0);
  });

  it('holds a log-in limit across instances', async () => {
    const user = await buildUser(a, { password: STRONG_PASSWORD });
    const LOG_IN = `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`;
    for (let i = 0; i < 10; i += 1) {
      const target = i % 2 ? a : b;
      expect(
        errorCode(await target.gql(LOG_IN, { e: user.email, p: `Wrong-${i}-Password!` })),
      ).toBe('UNAUTHENTICATED');
    }
    for (const target of [a, b]) {
      const locked = await target.gql(LOG_IN, { e: user.email, p: user.password });
      expect(errorCode(locked)).toBe('RATE_LIMITED');
      expect(locked.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
    }
  });
});

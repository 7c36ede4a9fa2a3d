import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { STRONG_PASSWORD } from './factories/user.factory';
import { loadConfig } from '../src/config/config';
import { PRODUCTION_ENV } from './support/production-env';
import { startLoggedApp, type LoggedApp } from './support/captured-logs';
import { waitUntil } from './support/wait-until';
import { connectLive, subscribe } from './support/ws-client';

/** Logs (access lines, operation lines, no secrets), metrics and unusual-activity warnings. */
let app: LoggedApp;
beforeAll(async () => {
  app = await startLoggedApp();
});
afterAll(() => app?.stop());

const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`;
const LOG_IN = `mutation LogIn($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }`;

async function signUp(password = STRONG_PASSWORD) {
  const email = `obs-${randomUUID()}@example.com`;
  const response = await app.post(SIGN_UP, { input: { email, password, displayName: 'Obs' } });
  const payload = response.body.data!.signUp as { token: string; user: { id: string } };
  return { email, password, token: payload.token, id: payload.user.id };
}

const byEvent = (event: string) => app.lines().filter((line) => line.event === event);

async function metricsText(): Promise<string> {
  return (await fetch(new URL('/metrics', app.url))).text();
}

/** Sum of a counter's samples whose labels include every given label. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('access and operation log lines', () => {
  it('writes one access line per HTTP request with the request id it returns', async () => {
    const response = await app.post('query Ping { __typename }');
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const access = byEvent('http.request').filter((l) => l.requestId === requestId);
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ method: 'POST', path: '/graphql', status: 200 });
    expect(typeof access[0].durationMs).toBe('number');
    const operation = byEvent('graphql.operation').filter((l) => l.requestId === requestId);
    expect(operation).toHaveLength(1);
    expect(operation[0]).toMatchObject({
      operationName: 'Ping',
      operationType: 'query',
      outcome: 'ok',
      errorCodes: [],
      transport: 'http',
    });
  });

  it('keeps a well-formed client request id and replaces a hostile one', async () => {
    const kept = await app.post('{ __typename }', {}, null, { 'x-request-id': 'client-abc.123' });
    expect(kept.headers.get('x-request-id')).toBe('client-abc.123');
    const hostile = await app.post('{ __typename }', {}, null, { 'x-request-id': 'x'.repeat(300) });
    expect(hostile.headers.get('x-request-id')).not.toContain('xxxx');
  });

  it('logs the user id, outcome and error codes of an operation', async () => {
    const user = await signUp();
    const denied = await app.post(
      `query Peek($id: ID!) { team(id: $id) { name } }`,
      { id: randomUUID() },
      user.token,
    );
    const requestId = denied.headers.get('x-request-id');
    const [line] = byEvent('graphql.operation').filter((l) => l.requestId === requestId);
    expect(line).toMatchObject({
      operationName: 'Peek',
      userId: user.id,
      outcome: 'error',
      errorCodes: ['FORBIDDEN'],
    });
  });

  it('never logs a password, a session token or variables', async () => {
    const password = `Zebra-Orchard-${randomUUID().slice(0, 8)}-91!`;
    const user = await signUp(password);
    const logIn = await app.post(LOG_IN, { email: user.email, password });
    const second = (logIn.body.data!.logIn as { token: string }).token;
    await app.post(LOG_IN, { email: user.email, password: `${password}-wrong` });
    await app.post('{ me { id } }', {}, second);
    await app.post('{ me { id } }', {}, `${second}-tampered`);
    const newPassword = `Marble-Lighthouse-${randomUUID().slice(0, 8)}-37!`;
    await app.post(
      `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`,
      { c: password, n: newPassword },
      second,
    );
    const socket = new WebSocket(app.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${second}` } }),
    );
    await new Promise((resolve) => socket.once('message', resolve));
    socket.close(1000);
    await new Promise((resolve) => socket.once('close', resolve));
    // The server's close line is the last one this test causes.
    await waitUntil(() => byEvent('ws.close').some((l) => l.code === 1000), 'the ws.close line');

    const everything = app.raw.join('');
    expect(everything.length).toBeGreaterThan(0);
    for (const secret of [password, newPassword, `${password}-wrong`, user.token, second]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toContain('"variables"');
    expect(byEvent('ws.connect').length).toBeGreaterThan(0);
    expect(byEvent('ws.close').some((l) => l.code === 1000)).toBe(true);
  });
});

describe('application events', () => {
  it('writes one app.event line per published event, with ids but no content', async () => {
    const user = await signUp();
    const created = await app.post(
      `mutation { createTeam(input: { name: "Quiet Secret Name" }) { id } }`,
      {},
      user.token,
    );
    const teamId = (created.body.data!.createTeam as { id: string }).id;
    const lines = byEvent('app.event').filter((l) => l.teamId === teamId);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'activity',
          action: 'TEAM_CREATED',
          seq: 1,
          actorId: user.id,
        }),
        expect.objectContaining({ kind: 'access-granted', userId: user.id }),
      ]),
    );
    expect(JSON.stringify(lines)).not.toContain('Quiet Secret Name');
  });
});

describe('metrics', () => {
  it('exposes request, operation, error, socket, event, pool and process figures', async () => {
    await app.post('query Ping { __typename }');
    const user = await signUp();
    await app.post(
      `mutation Make { createTeam(input: { name: "Metrics" }) { id } }`,
      {},
      user.token,
    );
    await app.post('{ me { nope } }');
    const text = await metricsText();
    expect(
      sample(text, 'teamgraph_http_request_duration_seconds_count', { route: '/graphql' }),
    ).toBeGreaterThan(0);
    // Every /graphql request above was answered; the /metrics request reading this is not yet.
    expect(text).toMatch(/^teamgraph_http_requests_in_flight\{route="\/metrics"\} 1$/m);
    expect(text).toMatch(/^teamgraph_http_requests_in_flight\{route="\/graphql"\} 0$/m);
    expect(
      sample(text, 'teamgraph_graphql_operation_duration_seconds_count', {
        operation: 'Ping',
        type: 'query',
      }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, 'teamgraph_graphql_errors_total', { code: 'BAD_USER_INPUT' }),
    ).toBeGreaterThan(0);
    expect(sample(text, 'teamgraph_events_published_total', { kind: 'activity' })).toBeGreaterThan(
      0,
    );
    expect(sample(text, 'teamgraph_db_pool_connections')).toBeGreaterThan(0);
    for (const name of [
      'teamgraph_ws_open_sockets',
      'teamgraph_ws_active_subscriptions',
      'teamgraph_events_delivered_total',
      'teamgraph_process_resident_memory_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('counts open sockets while they are open', async () => {
    const before = sample(await metricsText(), 'teamgraph_ws_open_sockets');
    const socket = new WebSocket(app.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const openSockets = async () => sample(await metricsText(), 'teamgraph_ws_open_sockets');
    await waitUntil(async () => (await openSockets()) === before + 1, 'one more open socket');
    socket.close(1000);
    await new Promise((resolve) => socket.once('close', resolve));
    await waitUntil(async () => (await openSockets()) === before, 'the socket to be uncounted');
  });

  it('counts active subscriptions and delivered events', async () => {
    const user = await signUp();
    const gauge = async () => sample(await metricsText(), 'teamgraph_ws_active_subscriptions');
    const delivered = async () =>
      sample(await metricsText(), 'teamgraph_events_delivered_total', { kind: 'activity' });
    const [beforeSubs, beforeDelivered] = [await gauge(), await delivered()];
    const live = await connectLive({ wsUrl: app.url.replace(/^http/, 'ws') }, user.token);
    try {
      const feed = subscribe(live, 'subscription { myActivity { seq } }');
      await waitUntil(async () => (await gauge()) === beforeSubs + 1, 'the subscription');
      await app.post(`mutation { createTeam(input: { name: "Counted" }) { id } }`, {}, user.token);
      await feed.untilCount(1);
      expect(await delivered()).toBeGreaterThan(beforeDelivered);
      feed.unsubscribe();
      await waitUntil(async () => (await gauge()) === beforeSubs, 'the subscription to end');
    } finally {
      await live.dispose();
    }
  });

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(new URL('/healthz', app.url));
    expect(health.status).toBe(200);
    const ready = await fetch(new URL('/readyz', app.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok' });
  });
});

describe('errors and start-up', () => {
  it('masks a database error for the client and logs it in full with the request id', async () => {
    const user = await signUp();
    // A real database failure: the table the mutation writes to is briefly missing.
    await app.app.services.dataSource.query('ALTER TABLE teams RENAME TO teams_away');
    let response;
    try {
      response = await app.post(
        `mutation Broken { createTeam(input: { name: "Boom" }) { id } }`,
        {},
        user.token,
      );
    } finally {
      await app.app.services.dataSource.query('ALTER TABLE teams_away RENAME TO teams');
    }
    const text = JSON.stringify(response.body);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(text).not.toMatch(/teams|relation|SELECT|INSERT|stack|QueryFailed/i);
    const requestId = response.headers.get('x-request-id');
    const logged = app.lines().filter((l) => l.requestId === requestId && l.level === 50);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged[0].err)).toMatch(/teams/);
  });

  it('warns at start that RATE_LIMITS=off, which production refuses', () => {
    expect(byEvent('rate_limits.disabled')).toHaveLength(1);
    expect(() =>
      loadConfig({
        ...PRODUCTION_ENV,
        RATE_LIMITS: 'off',
        DATABASE_URL: 'postgres://x@127.0.0.1/x',
      }),
    ).toThrow(/RATE_LIMITS/);
  });
});

describe('unusual activity', () => {
  it('warns once an account collects repeated failed log-ins, and counts it', async () => {
    const user = await signUp();
    const before = sample(await metricsText(), 'teamgraph_unusual_activity_total', {
      event: 'security.failed_logins.account',
    });
    for (let i = 0; i < 5; i += 1) {
      await app.post(LOG_IN, { email: user.email, password: `Wrong-Guess-${i}-xyz!` });
    }
    const warnings = byEvent('security.failed_logins.account').filter(
      (l) => l.account === user.email,
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, count: 5, ip: expect.any(String) });
    const after = sample(await metricsText(), 'teamgraph_unusual_activity_total', {
      event: 'security.failed_logins.account',
    });
    expect(after).toBe(before + 1);
  });

  it('warns when one address fails log-ins across many accounts', async () => {
    const before = byEvent('security.failed_logins.ip').length;
    for (let i = 0; i < 20; i += 1) {
      await app.post(LOG_IN, {
        email: `nobody-${i}-${randomUUID()}@example.com`,
        password: 'Guess-1234!',
      });
    }
    const warnings = byEvent('security.failed_logins.ip').slice(before);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ ip: expect.stringContaining('127.0.0.1'), level: 40 });
  });

  it('does not warn for a few failures', async () => {
    const user = await signUp();
    for (let i = 0; i < 3; i += 1) {
      await app.post(LOG_IN, { email: user.email, password: `Wrong-Few-${i}!` });
    }
    expect(
      byEvent('security.failed_logins.account').filter((l) => l.account === user.email),
    ).toHaveLength(0);
  });

  it('warns on a burst of denied operations by one user', async () => {
    const user = await signUp();
    for (let i = 0; i < 20; i += 1) {
      await app.post(
        `query ($id: ID!) { team(id: $id) { name } }`,
        { id: randomUUID() },
        user.token,
      );
    }
    const warnings = byEvent('security.denied_burst').filter((l) => l.actor === user.id);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ lastCode: 'FORBIDDEN', level: 40 });
  });

  it('warns on a burst of WebSocket closes from one address', async () => {
    const before = byEvent('security.ws_close_burst').length;
    for (let i = 0; i < 20; i += 1) {
      const socket = new WebSocket(app.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      socket.close(1000);
      await new Promise((resolve) => socket.once('close', resolve));
    }
    await waitUntil(() => byEvent('security.ws_close_burst').length > before, 'the warning');
    const warnings = byEvent('security.ws_close_burst').slice(before);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatchObject({ ip: expect.stringContaining('127.0.0.1'), level: 40 });
  });
});

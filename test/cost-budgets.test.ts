import { randomBytes } from 'node:crypto';
import { postGraphql } from '../bench/lib/graphql';
import { buildTeam } from './factories/team.factory';
import type { TestUser } from './factories/user.factory';
import { dataFingerprint } from './support/counts';
import { insertUser } from './support/fast-users';
import { RawSocket } from './support/raw-socket';
import { describeWithRedis, requiredRedisUrl } from './support/redis-available';
import { servedMetric } from './support/served-metrics';
import {
  readGraphqlResponse,
  startTestApp,
  type GraphqlResponse,
  type TestApp,
} from './support/test-app';
import { TwoInstances } from './support/two-instances';
import { waitUntil } from './support/wait-until';
import { countSubscriptionsRunning, subscriptionsRunning } from './support/live-gauges';

/**
 * Budgets of cost points over time (API.md, "Budgets over time"): every operation, over HTTP
 * and WebSocket, is charged its cost to its caller (the user, else the address) before it runs;
 * the X-RateLimit-* headers and `rateLimit` report the budget, and past it RATE_LIMITED.
 */

const RATE_LIMIT = `{ rateLimit { limit cost remaining resetAt } }`;
const TEAM_ACTIVITY_IDS = `subscription ($teamId: ID!) { teamActivity(teamId: $teamId) { id } }`;
const CREATE_ITEM = `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "Budgeted" }) { id } }`;

/** A query costing `n` points: each `me` is one object. */
const costing = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `m${i}: me { id }`).join(' ')} }`;

/** A documentation address of its own: budgets in a shared Redis outlive a run. */
const freshIp = () =>
  `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::1`;

interface BudgetHeaders {
  limit: number;
  remaining: number;
  used: number;
  reset: number;
}

function budgetHeaders(response: GraphqlResponse): BudgetHeaders {
  const read = (name: string) => {
    const value = response.headers.get(name);
    if (value === null) throw new Error(`no ${name} header (status ${response.status})`);
    return Number(value);
  };
  return {
    limit: read('x-ratelimit-limit'),
    remaining: read('x-ratelimit-remaining'),
    used: read('x-ratelimit-used'),
    reset: read('x-ratelimit-reset'),
  };
}

/** Posts as `token`, or anonymously from `ip` (the server trusts loopback's X-Forwarded-For). */
const post = async (
  app: { url: string },
  query: string,
  caller: { token?: string; ip?: string },
  variables?: Record<string, unknown>,
): Promise<GraphqlResponse> =>
  readGraphqlResponse(
    await postGraphql(
      app.url,
      query,
      variables,
      caller.token,
      caller.ip ? { 'x-forwarded-for': caller.ip } : {},
    ),
  );

const code = (response: GraphqlResponse) => response.errors?.[0]?.extensions?.code;

function expectRefused(response: GraphqlResponse, maxSeconds: number): void {
  expect(response.status).toBe(429);
  expect(code(response)).toBe('RATE_LIMITED');
  expect(response.data ?? null).toBeNull();
  const retry = response.errors![0].extensions!.retryAfterSeconds as number;
  expect(retry).toBeGreaterThan(0);
  expect(retry).toBeLessThanOrEqual(maxSeconds);
  expect(Number(response.headers.get('retry-after'))).toBe(retry);
}

/** Spends `caller`'s budget down to `left` points with cheap queries. */
async function spendDownTo(app: TestApp, caller: { token?: string; ip?: string }, left: number) {
  const { remaining } = budgetHeaders(await post(app, costing(1), caller));
  let toSpend = remaining - left;
  while (toSpend > 0) {
    const chunk = Math.min(15, toSpend);
    expect((await post(app, costing(chunk), caller)).errors).toBeUndefined();
    toSpend -= chunk;
  }
}

describe('budgets of cost points over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      RATE_LIMITS: 'on',
      COST_BUDGET_PER_HOUR: '40',
      CORS_ORIGINS: 'https://app.example.com',
    });
  });
  afterAll(() => app?.stop());

  it('carries the budget on every answer: each operation charged its cost, the reset in epoch seconds', async () => {
    const user = await insertUser(app);
    const start = Math.floor(Date.now() / 1000);
    const first = budgetHeaders(await post(app, costing(1), user));
    expect(first).toEqual({ limit: 40, used: 1, remaining: 39, reset: first.reset });
    expect(first.reset).toBeGreaterThan(start);
    expect(first.reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);

    const five = budgetHeaders(await post(app, costing(5), user));
    expect(five).toEqual({ limit: 40, used: 6, remaining: 34, reset: first.reset });

    // A document that does not parse or validate is not charged, and still carries the budget.
    const broken = await post(app, '{ me { id ', user);
    expect(broken.status).toBe(400);
    expect(budgetHeaders(broken)).toEqual(five);
    const invalid = await post(app, '{ me { nope } }', user);
    expect(budgetHeaders(invalid)).toEqual(five);
  });

  it('rateLimit reports what the headers carry, itself costing 1, for signed-in and anonymous callers', async () => {
    const user = await insertUser(app);
    await post(app, costing(3), user);
    const answer = await post(app, RATE_LIMIT, user);
    const headers = budgetHeaders(answer);
    const reported = (
      answer.data as {
        rateLimit: { limit: number; cost: number; remaining: number; resetAt: string };
      }
    ).rateLimit;
    expect(reported).toEqual({
      limit: 40,
      cost: 1,
      remaining: 36,
      resetAt: reported.resetAt,
    });
    expect(headers).toEqual({ limit: 40, used: 4, remaining: 36, reset: headers.reset });
    expect(
      Math.abs(Math.ceil(Date.parse(reported.resetAt) / 1000) - headers.reset),
    ).toBeLessThanOrEqual(1);

    const anonymous = await post(app, RATE_LIMIT, { ip: freshIp() });
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data).toMatchObject({ rateLimit: { limit: 40, cost: 1, remaining: 39 } });
  });

  it('refuses an operation over what is left with 429 RATE_LIMITED: nothing runs, nothing is taken, and the refusal is counted', async () => {
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner);
    await spendDownTo(app, owner, 3);
    const refusalsBefore = await servedMetric(
      app,
      'teamgraph_rate_limit_refusals_total{limit="costPerCaller"}',
    ).catch(() => 0);

    // Over what is left: refused, and the points stay there for a cheaper operation.
    const tooDear = await post(app, costing(5), owner);
    expectRefused(tooDear, 3600);
    expect(tooDear.errors![0].extensions!.cost).toBe(5);
    expect(budgetHeaders(tooDear)).toMatchObject({ remaining: 3, used: 37 });
    expect(budgetHeaders(await post(app, costing(2), owner)).remaining).toBe(1);
    expect(budgetHeaders(await post(app, costing(1), owner)).remaining).toBe(0);

    // A mutation over budget changes no row.
    const before = await dataFingerprint(app);
    const refused = await post(app, CREATE_ITEM, owner, { t: team.id });
    expectRefused(refused, 3600);
    expect(budgetHeaders(refused)).toMatchObject({ remaining: 0, used: 40 });
    expect(await dataFingerprint(app)).toEqual(before);

    expect(
      await servedMetric(app, 'teamgraph_rate_limit_refusals_total{limit="costPerCaller"}'),
    ).toBe(refusalsBefore + 2);
  });

  it('keeps one budget per caller: another user, another address and the address of a signed-in user are untouched', async () => {
    const spender = await insertUser(app);
    const other = await insertUser(app);
    const ip = freshIp();
    // The spender signs in from `ip`: the spent budget is the user's, not the address's.
    await spendDownTo(app, { token: spender.token, ip }, 0);
    expectRefused(await post(app, costing(1), { token: spender.token, ip }), 3600);
    expect(budgetHeaders(await post(app, costing(1), other)).remaining).toBe(39);
    expect(budgetHeaders(await post(app, costing(1), { ip })).remaining).toBe(39);

    // Anonymous callers share their address's budget, and only it.
    await spendDownTo(app, { ip }, 0);
    expectRefused(await post(app, RATE_LIMIT, { ip }), 3600);
    expect(budgetHeaders(await post(app, costing(1), { ip: freshIp() })).remaining).toBe(39);
  });

  it('lets browsers read the budget headers (CORS)', async () => {
    const response = await postGraphql(app.url, costing(1), undefined, null, {
      origin: 'https://app.example.com',
      'x-forwarded-for': freshIp(),
    });
    const exposed = (response.headers.get('access-control-expose-headers') ?? '')
      .toLowerCase()
      .split(/\s*,\s*/);
    expect(exposed).toEqual(
      expect.arrayContaining([
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-used',
        'x-ratelimit-reset',
      ]),
    );
  });
});

describe('budgets of cost points over WebSocket', () => {
  let app: TestApp;
  const sockets: RawSocket[] = [];
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMITS: 'on', COST_BUDGET_PER_HOUR: '40' });
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });
  afterAll(() => app?.stop());

  const open = async (user: TestUser) => {
    const socket = await RawSocket.open(app.wsUrl, { token: user.token });
    sockets.push(socket);
    return socket;
  };
  /** What is left after a probe costing 1 over HTTP. */
  const remainingOf = async (user: TestUser) =>
    budgetHeaders(await post(app, costing(1), user)).remaining;

  it('charges queries, mutations and the subscribe of a subscription to the same budget as HTTP; live events are free', async () => {
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner);
    const socket = await open(owner);
    const start = await remainingOf(owner);

    const query = await socket.run('q', { query: costing(4) });
    expect(query.messages.map((m) => m.type)).toEqual(['next', 'complete']);
    const reported = await socket.run('r', { query: RATE_LIMIT });
    expect(reported.messages[0].payload).toMatchObject({
      data: { rateLimit: { limit: 40, cost: 1, remaining: start - 5 } },
    });
    const mutation = await socket.run('m', { query: CREATE_ITEM, variables: { t: team.id } });
    expect(mutation.messages.map((m) => m.type)).toEqual(['next', 'complete']);

    // A subscription is charged when it starts (its selection: one Activity, 1 point).
    const running = await countSubscriptionsRunning();
    socket.send({
      id: 's',
      type: 'subscribe',
      payload: { query: TEAM_ACTIVITY_IDS, variables: { teamId: team.id } },
    });
    await subscriptionsRunning(running + 1);
    // Its events are not charged: an item created over HTTP (1 point) reaches it for free.
    expect((await post(app, CREATE_ITEM, owner, { t: team.id })).errors).toBeUndefined();
    await socket.until(
      () => socket.messages.some((m) => m.id === 's' && m.type === 'next'),
      'the live event',
      15_000,
    );
    expect(await remainingOf(owner)).toBe(start - 5 - 1 - 1 - 1 - 1);
  });

  it('answers an operation over the budget with an error message, RATE_LIMITED, and runs nothing', async () => {
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner);
    const socket = await open(owner);
    await spendDownTo(app, owner, 0);
    const before = await dataFingerprint(app);

    const mutation = await socket.run('m', { query: CREATE_ITEM, variables: { t: team.id } });
    expect(mutation.messages).toHaveLength(1);
    expect(mutation.messages[0].type).toBe('error');
    const [error] = mutation.messages[0].payload as {
      extensions: { code: string; retryAfterSeconds: number };
    }[];
    expect(error.extensions.code).toBe('RATE_LIMITED');
    expect(error.extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(await dataFingerprint(app)).toEqual(before);

    const subscription = await socket.run('s', {
      query: TEAM_ACTIVITY_IDS,
      variables: { teamId: team.id },
    });
    expect(subscription.messages.map((m) => m.type)).toEqual(['error']);
    // The socket stays open for what the budget allows again.
    expect(socket.isClosed()).toBe(false);
  });
});

describe('the budget window', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      RATE_LIMITS: 'on',
      COST_BUDGET_PER_HOUR: '3',
      COST_BUDGET_WINDOW: '2s',
    });
  });
  afterAll(() => app?.stop());

  it('gives the whole budget back when the window ends', async () => {
    const user = await insertUser(app);
    const spent = await post(app, costing(3), user);
    expect(budgetHeaders(spent).remaining).toBe(0);
    const refused = await post(app, costing(1), user);
    expectRefused(refused, 2);
    // The window's end (X-RateLimit-Reset) is the signal; nothing is sent meanwhile, so no
    // refused charge hands its points back across the window's end.
    const windowEnd = budgetHeaders(spent).reset * 1000;
    await waitUntil(async () => Date.now() > windowEnd, 'the budget window to end', 10_000);
    const next = await post(app, costing(1), user);
    expect(next.status).toBe(200);
    expect(budgetHeaders(next)).toMatchObject({ limit: 3, used: 1, remaining: 2 });
    expect(budgetHeaders(next).reset).toBeGreaterThan(budgetHeaders(spent).reset);
  });
});

describe('with RATE_LIMITS=off', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ COST_BUDGET_PER_HOUR: '1' });
  });
  afterAll(() => app?.stop());

  it('charges nothing and sends no budget headers; rateLimit reports the whole budget', async () => {
    const user = await insertUser(app);
    const first = await post(app, costing(5), user);
    expect(first.errors).toBeUndefined();
    expect(first.headers.get('x-ratelimit-remaining')).toBeNull();
    const answer = await post(app, RATE_LIMIT, user);
    expect(answer.data).toMatchObject({ rateLimit: { limit: 1, cost: 1, remaining: 1 } });
  });
});

describeWithRedis('cost-budgets.test.ts', 'budgets shared by two instances through Redis', () => {
  let two: TwoInstances;
  beforeAll(async () => {
    two = await TwoInstances.start({
      REDIS_URL: requiredRedisUrl(),
      RATE_LIMITS: 'on',
      COST_BUDGET_PER_HOUR: '10',
    });
  }, 60_000);
  afterAll(() => two?.stop());

  it('counts a caller once across instances, over HTTP and WebSocket', async () => {
    const user = await insertUser(two.a);
    expect(budgetHeaders(await post(two.a, costing(4), user)).remaining).toBe(6);
    expect(budgetHeaders(await post(two.b, costing(3), user)).remaining).toBe(3);
    const socket = await RawSocket.open(two.b.wsUrl, { token: user.token });
    try {
      const query = await socket.run('q', { query: costing(2) });
      expect(query.messages.map((m) => m.type)).toEqual(['next', 'complete']);
    } finally {
      await socket.close();
    }
    expect(budgetHeaders(await post(two.a, costing(1), user)).remaining).toBe(0);
    expectRefused(await post(two.b, costing(1), user), 3600);

    // An anonymous address, too.
    const ip = freshIp();
    expect(budgetHeaders(await post(two.b, costing(10), { ip })).remaining).toBe(0);
    expectRefused(await post(two.a, costing(1), { ip }), 3600);
  });
});

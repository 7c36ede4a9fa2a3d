import { buildUser } from './factories/user.factory';
import { PRODUCTION_ENV } from './support/production-env';
import { errorCode, startTestApp, type TestApp } from './support/test-app';
import { connectLive, endCode, subscribe, type LiveClient } from './support/ws-client';

/** docs/THREAT-MODEL.md H21: operations over the socket pass the same limits and validation as HTTP. */
let dev: TestApp;
let prod: TestApp;
const clients: LiveClient[] = [];
beforeAll(async () => {
  [dev, prod] = await Promise.all([startTestApp(), startTestApp(PRODUCTION_ENV)]);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
afterAll(() => Promise.all([dev?.stop(), prod?.stop()]));

async function open(app: TestApp, token?: string): Promise<LiveClient> {
  const client = await connectLive(app, token);
  clients.push(client);
  return client;
}

/** Runs one operation over the socket; returns the code it ended with and what it returned. */
async function run(live: LiveClient, query: string, variables: Record<string, unknown> = {}) {
  const feed = subscribe(live, query, variables);
  await feed.untilComplete();
  return { code: endCode(feed), feed };
}

const userCount = async (app: TestApp) =>
  Number((await app.sql<{ n: string }>('SELECT count(*) AS n FROM users'))[0].n);

const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ');
const deep =
  'me { teams { team { members { user { teams { team { members { user { teams { team { id } } } } } } } } } } }';

describe('the same document limits over WebSocket as over HTTP', () => {
  it.each([
    ['16 aliases', `{ ${aliases(16)} }`],
    ['deep nesting', `{ ${deep} }`],
    [
      'deep nesting through fragments',
      `{ me { ...A } } fragment A on User { teams { team { members { user { teams { team { members { user { teams { team { id } } } } } } } } } } }`,
    ],
    ['too many tokens', `{ ${'__typename '.repeat(2500)} }`],
    [
      'too many directives',
      `{ me { ${Array.from({ length: 11 }, (_, i) => `f${i}: id @include(if: true)`).join(' ')} } }`,
    ],
    [
      'a circular fragment',
      `{ me { ...A } } fragment A on User { teams { team { members { user { ...A } } } } }`,
    ],
    ['a malformed document', `{ me { id `],
  ])('refuses %s, like HTTP does', async (_name, query) => {
    const user = await buildUser(dev);
    const overHttp = await dev.gql(query, {}, user.token);
    expect(errorCode(overHttp)).toBe('BAD_USER_INPUT');
    const live = await open(dev, user.token);
    const { code, feed } = await run(live, query);
    expect(code).toBe('BAD_USER_INPUT');
    expect(feed.results.every((r) => r.data == null)).toBe(true);
    // The refusal is per operation: the socket keeps serving.
    const ok = await run(live, `{ ${aliases(15)} }`);
    expect(ok.code).toBeUndefined();
    expect(ok.feed.results[0].data).toBeTruthy();
  });

  it('runs none of 16 aliased sign-ups sent over the socket', async () => {
    const before = await userCount(dev);
    const fields = Array.from(
      { length: 16 },
      (_, i) =>
        `s${i}: signUp(input: { email: "ws-alias-${i}@example.com", password: "Quartz-Lantern-Meadow-47!", displayName: "A" }) { token }`,
    ).join(' ');
    const { code } = await run(await open(dev), `mutation { ${fields} }`);
    expect(code).toBe('BAD_USER_INPUT');
    expect(await userCount(dev)).toBe(before);
  });

  it('refuses introspection over the socket in production, allows it in development', async () => {
    const inProd = await run(await open(prod), '{ __schema { queryType { name } } }');
    expect(inProd.code).toBe('BAD_USER_INPUT');
    const inDev = await run(await open(dev), '{ __schema { queryType { name } } }');
    expect(inDev.code).toBeUndefined();
  });

  it('hides field suggestions over the socket in production', async () => {
    const inProd = await run(await open(prod), '{ mee { id } }');
    expect(inProd.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(inProd.feed.error ?? inProd.feed.results)).not.toMatch(/did you mean/i);
    const inDev = await run(await open(dev), '{ mee { id } }');
    expect(JSON.stringify(inDev.feed.error ?? inDev.feed.results)).toMatch(/did you mean/i);
  });
});

describe('errors over WebSocket', () => {
  it('masks a database error like HTTP does: INTERNAL_SERVER_ERROR, no SQL, no stack', async () => {
    const user = await buildUser(dev);
    await dev.gql(`mutation { createTeam(input: { name: "Masked" }) { id } }`, {}, user.token);
    const live = await open(dev, user.token);
    await dev.sql('ALTER TABLE memberships RENAME TO memberships_away');
    let outcome;
    try {
      outcome = await run(live, '{ me { teams { role team { name } } } }');
    } finally {
      await dev.sql('ALTER TABLE memberships_away RENAME TO memberships');
    }
    const text = JSON.stringify(outcome.feed.error ?? outcome.feed.results);
    expect(text).toMatch(/INTERNAL_SERVER_ERROR/);
    expect(text).not.toMatch(/memberships|relation|SELECT|stack|QueryFailed/i);
  });
});

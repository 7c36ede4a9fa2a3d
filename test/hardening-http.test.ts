import { request } from 'node:http';
import { buildUser } from './factories/user.factory';
import { PRODUCTION_ENV } from './support/production-env';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

/** docs/THREAT-MODEL.md H1–H9: hostile documents and requests over HTTP, refused before execution. */
let dev: TestApp;
let prod: TestApp;
beforeAll(async () => {
  [dev, prod] = await Promise.all([startTestApp(), startTestApp(PRODUCTION_ENV)]);
});
afterAll(() => Promise.all([dev?.stop(), prod?.stop()]));

/** Refused by a document limit (not by ordinary validation of a bad field), before execution. */
function expectLimitRefusal(response: { data?: unknown; errors?: { message: string }[] }) {
  expect(response.data ?? null).toBeNull();
  expect(errorCode(response as never)).toBe('BAD_USER_INPUT');
  const text = JSON.stringify(response.errors);
  expect(text).not.toMatch(
    /Cannot query field|Unknown|can only be used once|Syntax Error: Expected/,
  );
}

const userCount = async (app: TestApp) =>
  Number((await app.sql<{ n: string }>('SELECT count(*) AS n FROM users'))[0].n);

const post = (app: TestApp, body: string, headers: Record<string, string> = {}) =>
  fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

const SIGN_UP = (email: string) =>
  `mutation { signUp(input: { email: "${email}", password: "Quartz-Lantern-Meadow-47!", displayName: "X" }) { token } }`;

describe('1. introspection and the playground', () => {
  it('refuses introspection in production', async () => {
    const response = await prod.gql('{ __schema { types { name } } }');
    expect(response.data ?? null).toBeNull();
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(response.errors)).toMatch(/introspection/i);
  });

  it('allows introspection in development', async () => {
    const response = await dev.gql<{ __schema: { types: unknown[] } }>(
      '{ __schema { types { name } } }',
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.__schema.types.length).toBeGreaterThan(10);
  });

  it('serves no playground in production', async () => {
    const response = await fetch(prod.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toMatch(/graphiql/i);
  });

  it('serves the playground to a browser in development', async () => {
    const response = await fetch(dev.url, { headers: { accept: 'text/html,*/*;q=0.8' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/\/playground\/graphiql\.js/);
  });

  it('enables both in production only when configured', async () => {
    const open = await startTestApp({
      ...PRODUCTION_ENV,
      GRAPHQL_INTROSPECTION: 'on',
      PLAYGROUND: 'on',
    });
    try {
      expect((await open.gql('{ __schema { queryType { name } } }')).errors).toBeUndefined();
      const page = await fetch(open.url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});

describe('2. no field suggestions in production', () => {
  it('hides "Did you mean" in production, keeps it in development', async () => {
    const inProd = await prod.gql('{ mee { id } }');
    expect(errorCode(inProd)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(inProd.errors)).not.toMatch(/did you mean/i);
    expect(JSON.stringify(inProd.errors)).not.toMatch(/"me"/);
    const inDev = await dev.gql('{ mee { id } }');
    expect(JSON.stringify(inDev.errors)).toMatch(/did you mean/i);
  });
});

describe('3. no internals in errors', () => {
  it.each([
    ['a malformed document', '{ me { id '],
    ['garbage', '}}}}'],
    ['an unknown argument', '{ me(secret: 1) { id } }'],
  ])('answers %s with BAD_USER_INPUT and no stack or SQL', async (_name, query) => {
    for (const app of [dev, prod]) {
      const response = await app.gql(query);
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      const text = JSON.stringify(response.errors);
      expect(text).not.toMatch(/stack|stacktrace|at .*\.js:\d+|SELECT|INSERT/i);
    }
  });
});

describe('4. CSRF and method rules', () => {
  it('refuses a mutation over GET and creates nothing', async () => {
    const before = await userCount(dev);
    const url = `${dev.url}?query=${encodeURIComponent(SIGN_UP('get-mutation@example.com'))}`;
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await userCount(dev)).toBe(before);
  });

  it('refuses a GET query without a preflight header (CSRF)', async () => {
    const response = await fetch(`${dev.url}?query=${encodeURIComponent('{ me { id } }')}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF|preflight/i);
  });

  it('answers a GET query that carries the preflight header', async () => {
    const response = await fetch(`${dev.url}?query=${encodeURIComponent('{ me { id } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    // Answers depend on who asks: no cache on the way may keep one.
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('marks answers and refusals over POST uncacheable too', async () => {
    const answered = await post(dev, JSON.stringify({ query: '{ me { id } }' }));
    expect(answered.status).toBe(200);
    expect(answered.headers.get('cache-control')).toBe('no-store');
    const refused = await post(dev, JSON.stringify({ query: '{ nope }' }));
    expect(refused.status).toBe(400);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'refuses a POST as %s and creates nothing',
    async (contentType) => {
      const before = await userCount(dev);
      const response = await fetch(dev.url, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: JSON.stringify({ query: SIGN_UP('csrf@example.com') }),
      });
      expect(response.status).toBe(400);
      expect(await userCount(dev)).toBe(before);
    },
  );
});

describe('5. batching', () => {
  it('refuses a batched array and runs none of it', async () => {
    const before = await userCount(dev);
    const response = await post(
      dev,
      JSON.stringify([
        { query: SIGN_UP('batch-1@example.com') },
        { query: SIGN_UP('batch-2@example.com') },
      ]),
    );
    expect(response.status).toBe(400);
    expect(await userCount(dev)).toBe(before);
  });
});

describe('6. aliases, duplicated fields, directives, tokens', () => {
  const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ');

  it('accepts 15 aliases and refuses 16', async () => {
    const user = await buildUser(dev);
    expect((await dev.gql(`{ ${aliases(15)} }`, {}, user.token)).errors).toBeUndefined();
    expectLimitRefusal(await dev.gql(`{ ${aliases(16)} }`, {}, user.token));
  });

  it('runs none of 16 aliased sign-ups', async () => {
    const before = await userCount(dev);
    const fields = Array.from(
      { length: 16 },
      (_, i) =>
        `s${i}: signUp(input: { email: "alias-${i}@example.com", password: "Quartz-Lantern-Meadow-47!", displayName: "A" }) { token }`,
    ).join(' ');
    const response = await dev.gql(`mutation { ${fields} }`);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(await userCount(dev)).toBe(before);
  });

  it('refuses thousands of duplicated fields', async () => {
    expectLimitRefusal(await dev.gql(`{ me { ${'id '.repeat(5000)} } }`));
  });

  it('refuses many directives', async () => {
    const user = await buildUser(dev);
    const fields = (n: number) =>
      Array.from({ length: n }, (_, i) => `f${i}: id @include(if: true)`).join(' ');
    expect((await dev.gql(`{ me { ${fields(10)} } }`, {}, user.token)).errors).toBeUndefined();
    expectLimitRefusal(await dev.gql(`{ me { ${fields(11)} } }`, {}, user.token));
  });

  it('refuses an over-long document at parse time (token limit)', async () => {
    const response = await dev.gql(`{ ${'__typename '.repeat(2500)} }`);
    expectLimitRefusal(response);
    expect(response.status).toBeLessThan(500);
    // Stopped by the parser's token count, before validation ever ran.
    expect(JSON.stringify(response.errors)).not.toMatch(/Validation aborted/);
  });
});

describe('7. depth and fragments', () => {
  const deep =
    'me { teams { team { members { user { teams { team { members { user { teams { team { id } } } } } } } } } } }';

  it('accepts nesting within the limit and refuses deeper', async () => {
    const user = await buildUser(dev);
    const ok =
      'me { teams { team { members { user { teams { team { members { user { id } } } } } } } } }';
    expect((await dev.gql(`{ ${ok} }`, {}, user.token)).errors).toBeUndefined();
    expectLimitRefusal(await dev.gql(`{ ${deep} }`, {}, user.token));
  });

  it('refuses deep nesting hidden in named fragments', async () => {
    const response = await dev.gql(`
      { me { ...A } }
      fragment A on User { teams { team { ...B } } }
      fragment B on Team { members { user { ...C } } }
      fragment C on User { teams { team { members { user { teams { team { id } } } } } } }
    `);
    expectLimitRefusal(response);
  });

  it('refuses deep nesting hidden in inline fragments', async () => {
    const response =
      await dev.gql(`{ me { ... on User { teams { team { ... on Team { members { user {
      teams { team { members { user { teams { team { id } } } } } } } } } } } } } }`);
    expectLimitRefusal(response);
  });

  it('answers circular fragments with a validation error, and keeps serving', async () => {
    const response = await dev.gql(`
      { me { ...A } }
      fragment A on User { teams { team { members { user { ...A } } } } }
    `);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect((await dev.gql('{ __typename }')).errors).toBeUndefined();
  });
});

describe('8. cost', () => {
  it('refuses first: 99999999 with BAD_USER_INPUT (max 100)', async () => {
    const user = await buildUser(dev);
    const team = await dev.gql<{ createTeam: { id: string } }>(
      `mutation { createTeam(input: { name: "Paging" }) { id } }`,
      {},
      user.token,
    );
    const id = team.data!.createTeam.id;
    const page = (first: number) =>
      dev.gql(
        `query ($id: ID!, $first: Int) { team(id: $id) { items(first: $first) { totalCount } activity(first: $first) { totalCount } } }`,
        { id, first },
        user.token,
      );
    expect((await page(100)).errors).toBeUndefined();
    for (const first of [99999999, 101, 0, -1]) {
      const response = await page(first);
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses a document over the cost budget though within depth and aliases', async () => {
    const wide = 'id displayName email createdAt';
    const branch = `me { teams { role team { id name members { role user { ${wide} teams { role team { id name members { role user { ${wide} } } } } } } } } }`;
    const user = await buildUser(dev);
    expect((await dev.gql(`{ ${branch} }`, {}, user.token)).errors).toBeUndefined();
    const fields = Array.from({ length: 15 }, (_, i) => `a${i}: ${branch}`).join(' ');
    const response = await dev.gql(`{ ${fields} }`, {}, user.token);
    expectLimitRefusal(response);
    expect(JSON.stringify(response.errors)).not.toMatch(/alias/i);
  });
});

describe('9. body size', () => {
  it('refuses a body over 1 MiB with 413', async () => {
    const big = JSON.stringify({
      query: '{ __typename }',
      variables: { pad: 'x'.repeat(1_100_000) },
    });
    const response = await post(dev, big);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: unknown[] }).errors).toHaveLength(1);
  });

  it('refuses a chunked body without a length once it passes 1 MiB, before the rest arrives', async () => {
    const { port, pathname } = new URL(dev.url);
    const total = 8 * 1024 * 1024;
    let sent = 0;
    const answered = await new Promise<{ status: number; sentBeforeAnswer: number }>(
      (resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: pathname,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            const sentBeforeAnswer = sent;
            res.resume();
            resolve({ status: res.statusCode ?? 0, sentBeforeAnswer });
            req.destroy();
          },
        );
        req.on('error', (error) => (sent < total ? undefined : reject(error)));
        req.write('{"query":"{ __typename }","variables":{"pad":"');
        const chunk = 'x'.repeat(64 * 1024);
        // Stream slowly and far past the limit: the answer must come while we are still sending.
        const pump = () => {
          if (req.destroyed) return;
          if (sent >= total) return void req.end('"}}');
          sent += chunk.length;
          req.write(chunk, () => setTimeout(pump, 2));
        };
        pump();
      },
    );
    expect(answered.status).toBe(413);
    expect(answered.sentBeforeAnswer).toBeLessThan(total / 2);
  });

  it('refuses a declared 10 GB body at once, from its Content-Length', async () => {
    const { port, pathname } = new URL(dev.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(10 * 1024 ** 3) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.write('{"query":"');
    });
    expect(status).toBe(413);
  });

  it('still accepts normal requests afterwards', async () => {
    expect((await dev.gql('{ __typename }')).errors).toBeUndefined();
  });
});

import { randomBytes } from 'node:crypto';
import { postGraphql } from '../bench/lib/graphql';
import { buildUser, STRONG_PASSWORD } from './factories/user.factory';
import { startServerProcess, useBuiltServer } from './support/built-server';
import { PRODUCTION_ENV } from './support/production-env';
import { errorCode, readGraphqlResponse, startTestApp, type TestApp } from './support/test-app';

/**
 * CPU-heavy work runs in the worker pool (src/workers), not on the event loop: while hostile
 * password checks are in flight, the server keeps answering. How long the loop stalls is
 * measured by the benchmarks (bench/workloads/event-loop.ts); here the assertions are about
 * order — the cheap requests finish while the expensive ones are still running.
 */
const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { user { id } } }`;
const CHANGE = `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`;

/** The slowest kind of input for the estimator: long and random. */
const hostilePassword = () => randomBytes(192).toString('base64').slice(0, 256);

describe('password strength off the event loop (TypeScript sources, as in tests)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.stop());

  it('answers /healthz and other requests while 256-character passwords are being judged', async () => {
    const user = await buildUser(app);
    const completedBefore = app.app.services.cpu.completed;
    let settled = 0;
    const hostile = Array.from({ length: 3 }, () =>
      app.gql(CHANGE, { c: user.password, n: hostilePassword() }, user.token).finally(() => {
        settled += 1;
      }),
    );
    // Wait until the pool has work, so the next requests really run alongside it.
    await app.app.services.cpu.untilBusy();
    for (let i = 0; i < 5; i += 1) {
      const health = await fetch(app.url.replace(/\/graphql$/, '/healthz'));
      expect(health.status).toBe(200);
      const me = await app.gql<{ me: { id: string } }>(`{ me { id } }`, {}, user.token);
      expect(me.data?.me.id).toBe(user.id);
    }
    expect(settled).toBeLessThan(hostile.length);
    const answers = await Promise.all(hostile);
    // Long random passwords are strong, and all three checked the same current password: the
    // first to commit changes it, and the others may not commit on the password they checked
    // (CONFLICT under the lock, or BAD_USER_INPUT when checked after that commit).
    const outcomes = answers.map((answer) => answer.errors?.[0].extensions?.code ?? 'ok');
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o !== 'ok'))
      expect(['CONFLICT', 'BAD_USER_INPUT']).toContain(outcome);
    expect(app.app.services.cpu.completed - completedBefore).toBeGreaterThanOrEqual(3);
    // Three of the slowest inputs the estimator accepts, judged one after another by the pool:
    // seconds each on a busy machine. The assertions are about order, so the budget is wide.
  }, 120_000);

  it('still refuses a weak password with the reason, and an over-long one without estimating it', async () => {
    const weak = await app.gql(SIGN_UP, {
      input: {
        email: `weak-${randomBytes(3).toString('hex')}@example.com`,
        displayName: 'W',
        password: 'password1234',
      },
    });
    expect(errorCode(weak)).toBe('BAD_USER_INPUT');
    expect(weak.errors![0].message).toMatch(/too easy to guess/);
    const before = app.app.services.cpu.completed;
    const long = await app.gql(SIGN_UP, {
      input: {
        email: `long-${randomBytes(3).toString('hex')}@example.com`,
        displayName: 'L',
        password: 'x'.repeat(257),
      },
    });
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.errors![0].extensions!.field).toBe('password');
    expect(app.app.services.cpu.completed).toBe(before);
  });
});

describe('password strength off the event loop (the built production server)', () => {
  const built = useBuiltServer();

  it('runs the worker from dist/: strong passwords pass, weak ones are refused', async () => {
    const server = await startServerProcess(built.mainJs, {
      ...PRODUCTION_ENV,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: built.databaseUrl,
      DB_POOL_SIZE: '3',
      CPU_WORKERS: '1',
    });
    try {
      const post = async (variables: Record<string, unknown>) =>
        readGraphqlResponse(await postGraphql(server.url, SIGN_UP, variables));
      const email = () => `prod-${randomBytes(3).toString('hex')}@example.com`;
      const strong = await post({
        input: { email: email(), displayName: 'Prod', password: STRONG_PASSWORD },
      });
      expect(strong.errors).toBeUndefined();
      const weak = await post({
        input: { email: email(), displayName: 'Prod', password: 'password1234' },
      });
      expect(weak.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const hostile = await post({
        input: { email: email(), displayName: 'Prod', password: hostilePassword() },
      });
      expect(hostile.errors).toBeUndefined();
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 120_000);
});

import { buildUser } from './factories/user.factory';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ RATE_LIMITS: 'on' });
});
afterAll(() => app.stop());

const LOG_IN = `mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }`;

describe('log-in rate limits', () => {
  it('locks an account after 10 failures: even the right password is then RATE_LIMITED', async () => {
    const user = await buildUser(app);
    for (let i = 0; i < 10; i += 1) {
      const response = await app.gql(LOG_IN, {
        email: user.email,
        password: `Wrong-Password-${i}!`,
      });
      expect(errorCode(response)).toBe('UNAUTHENTICATED');
    }
    const locked = await app.gql(LOG_IN, { email: user.email, password: user.password });
    expect(errorCode(locked)).toBe('RATE_LIMITED');
    expect(locked.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(locked.errors![0].extensions!.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
  });

  it('spends the per-IP budget (100 per 15 minutes) one point per aliased log-in', async () => {
    // Its own server, so the budget is not shared with the other tests of this file.
    const fresh = await startTestApp({ RATE_LIMITS: 'on' });
    try {
      const user = await buildUser(fresh);
      const aliased = (n: number) =>
        `mutation { ${Array.from(
          { length: n },
          (_, i) => `a${i}: logIn(email: "${user.email}", password: "${user.password}") { token }`,
        ).join(' ')} }`;
      // 6 × 15 + 10 = 100 log-ins (15 is the alias limit per document): all succeed.
      for (const n of [15, 15, 15, 15, 15, 15, 10]) {
        const response = await fresh.gql<Record<string, { token: string }>>(aliased(n));
        expect(response.errors).toBeUndefined();
        expect(Object.keys(response.data!)).toHaveLength(n);
      }
      // The 101st attempt, even with the right password, is refused and opens no session.
      const over = await fresh.gql(aliased(2));
      expect(over.errors!.map((e) => [e.path, e.extensions!.code])).toEqual([
        [['a0'], 'RATE_LIMITED'],
      ]);
      const [sessions] = await fresh.sql<{ n: string }>(
        'SELECT count(*) AS n FROM sessions WHERE user_id = $1',
        [user.id],
      );
      expect(Number(sessions.n)).toBe(101); // the sign-up's session and 100 log-ins
    } finally {
      await fresh.stop();
    }
  });

  it('leaves other accounts alone while one is locked', async () => {
    const victim = await buildUser(app);
    const bystander = await buildUser(app);
    for (let i = 0; i < 10; i += 1)
      await app.gql(LOG_IN, { email: victim.email, password: `Nope-Password-${i}!` });
    expect(
      errorCode(await app.gql(LOG_IN, { email: victim.email, password: victim.password })),
    ).toBe('RATE_LIMITED');
    expect(
      (await app.gql(LOG_IN, { email: bystander.email, password: bystander.password })).errors,
    ).toBeUndefined();
  });
});

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

  it('counts each aliased log-in in one document separately', async () => {
    const user = await buildUser(app);
    const fields = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => `a${i}: logIn(email: "${user.email}", password: "${user.password}") { token }`,
      ).join(' ');
    const response = await app.gql<Record<string, { token: string }>>(`mutation { ${fields(5)} }`);
    expect(Object.keys(response.data!)).toHaveLength(5);
    const sessions = await app.sql<{ n: string }>(
      'SELECT count(*) AS n FROM sessions WHERE user_id = $1',
      [user.id],
    );
    expect(Number(sessions[0].n)).toBe(6);
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

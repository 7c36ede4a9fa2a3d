import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { errorCode, startTestApp, type TestApp } from './support/test-app';
import {
  awayFromStepBoundary,
  BEGIN_SETUP,
  CONFIRM_SETUP,
  enableTwoFactor,
  totpCode,
} from './support/two-factor';

const LOG_IN = `mutation ($email: String!, $password: String!, $code: String) {
  logIn(email: $email, password: $password, code: $code) { token user { id } }
}`;
const DISABLE = `mutation ($p: String!, $c: String!) { disableTwoFactor(password: $p, code: $c) }`;
const REGENERATE = `mutation ($c: String!) { regenerateRecoveryCodes(code: $c) }`;
const ME = `{ me { id twoFactorEnabled } }`;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

const logIn = (user: TestUser, code?: string, on = app) =>
  on.gql<{ logIn: { token: string } }>(LOG_IN, {
    email: user.email,
    password: user.password,
    code,
  });

describe('two-factor set-up', () => {
  it('returns an otpauth URI; a code from the current step turns it on and returns 10 recovery codes, stored hashed', async () => {
    const user = await buildUser(app);
    const begun = await app.gql<{ beginTwoFactorSetup: { secret: string; otpauthUri: string } }>(
      BEGIN_SETUP,
      {},
      user.token,
    );
    const { secret, otpauthUri } = begun.data!.beginTwoFactorSetup;
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/teamgraph:/);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect((await app.gql(ME, {}, user.token)).data).toEqual({
      me: { id: user.id, twoFactorEnabled: false },
    });

    await awayFromStepBoundary();
    const confirmed = await app.gql<{ confirmTwoFactorSetup: string[] }>(
      CONFIRM_SETUP,
      { code: await totpCode(secret) },
      user.token,
    );
    const codes = confirmed.data!.confirmTwoFactorSetup;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect((await app.gql(ME, {}, user.token)).data).toEqual({
      me: { id: user.id, twoFactorEnabled: true },
    });
    const stored = await app.sql(`SELECT * FROM recovery_codes WHERE user_id = $1`, [user.id]);
    expect(stored).toHaveLength(10);
    for (const code of codes) expect(JSON.stringify(stored)).not.toContain(code);
    // Set-up cannot be started again while it is on.
    expect(errorCode(await app.gql(BEGIN_SETUP, {}, user.token))).toBe('CONFLICT');
  });

  it('accepts the code of the step before (the documented 30 s skew), refuses older and wrong ones', async () => {
    const user = await buildUser(app);
    const begun = await app.gql<{ beginTwoFactorSetup: { secret: string } }>(
      BEGIN_SETUP,
      {},
      user.token,
    );
    const { secret } = begun.data!.beginTwoFactorSetup;
    await awayFromStepBoundary();
    for (const code of [await totpCode(secret, -2), '000000', 'abcdef', '']) {
      const refused = await app.gql(CONFIRM_SETUP, { code }, user.token);
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors![0].extensions!.field).toBe('code');
    }
    expect((await app.gql(ME, {}, user.token)).data).toEqual({
      me: { id: user.id, twoFactorEnabled: false },
    });
    const previous = await app.gql(CONFIRM_SETUP, { code: await totpCode(secret, -1) }, user.token);
    expect(previous.errors).toBeUndefined();
  });

  it('cannot be confirmed before it is begun', async () => {
    const user = await buildUser(app);
    expect(errorCode(await app.gql(CONFIRM_SETUP, { code: '123456' }, user.token))).toBe(
      'CONFLICT',
    );
  });
});

describe('log-in with two-factor', () => {
  it('asks for the code with TWO_FACTOR_REQUIRED and opens no session until it is given', async () => {
    const user = await buildUser(app);
    const { secret } = await enableTwoFactor(app, user);
    const [before] = await app.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`,
      [user.id],
    );
    const asked = await logIn(user);
    expect(errorCode(asked)).toBe('TWO_FACTOR_REQUIRED');
    const [after] = await app.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`,
      [user.id],
    );
    expect(after.n).toBe(before.n);
    // The set-up used the current step; the next one is within the skew and not yet used.
    const next = await totpCode(secret, 1);
    const ok = await logIn(user, next);
    expect(ok.errors).toBeUndefined();
    // The same code never works twice.
    const replay = await logIn(user, next);
    expect(errorCode(replay)).toBe('UNAUTHENTICATED');
    expect(replay.errors![0].message).toBe('Invalid e-mail or password.');
  });

  it('gives a wrong code the same error as a wrong password', async () => {
    const user = await buildUser(app);
    await enableTwoFactor(app, user);
    const wrongCode = await logIn(user, '000000');
    const wrongPassword = await app.gql(LOG_IN, {
      email: user.email,
      password: 'Wrong-Password-1!',
      code: '000000',
    });
    expect(wrongCode.errors![0]).toMatchObject({
      message: wrongPassword.errors![0].message,
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('accepts each recovery code once; regenerating kills the old ones', async () => {
    const user = await buildUser(app);
    const { recoveryCodes } = await enableTwoFactor(app, user);
    const [first, second] = recoveryCodes;
    expect((await logIn(user, first.toUpperCase())).errors).toBeUndefined();
    expect(errorCode(await logIn(user, first))).toBe('UNAUTHENTICATED');
    const regenerated = await app.gql<{ regenerateRecoveryCodes: string[] }>(
      REGENERATE,
      { c: second },
      user.token,
    );
    const fresh = regenerated.data!.regenerateRecoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(errorCode(await logIn(user, recoveryCodes[2]))).toBe('UNAUTHENTICATED');
    expect((await logIn(user, fresh[0])).errors).toBeUndefined();
  });

  it('spends the log-in budget with wrong codes: after 10 failures even the right code is RATE_LIMITED', async () => {
    const limited = await startTestApp({ RATE_LIMITS: 'on' });
    try {
      const user = await buildUser(limited);
      const { recoveryCodes } = await enableTwoFactor(limited, user);
      // 5 wrong passwords, then 5 wrong codes with the right password: one budget of 10.
      // (One attempt a request: a failed non-null mutation field stops the rest of a document.)
      for (let i = 0; i < 5; i += 1) {
        const response = await limited.gql(LOG_IN, {
          email: user.email,
          password: `Wrong-${i}-Password!`,
        });
        expect(errorCode(response)).toBe('UNAUTHENTICATED');
      }
      for (let i = 0; i < 5; i += 1) {
        expect(errorCode(await logIn(user, `00000${i}`, limited))).toBe('UNAUTHENTICATED');
      }
      const locked = await logIn(user, recoveryCodes[0], limited);
      expect(errorCode(locked)).toBe('RATE_LIMITED');
    } finally {
      await limited.stop();
    }
  });
});

describe('disabling two-factor', () => {
  it('needs the password and a code', async () => {
    const user = await buildUser(app);
    const { recoveryCodes } = await enableTwoFactor(app, user);
    const noPassword = await app.gql(
      DISABLE,
      { p: 'Wrong-Password-1!', c: recoveryCodes[0] },
      user.token,
    );
    expect(errorCode(noPassword)).toBe('BAD_USER_INPUT');
    expect(noPassword.errors![0].extensions!.field).toBe('password');
    const noCode = await app.gql(DISABLE, { p: STRONG_PASSWORD, c: '000000' }, user.token);
    expect(errorCode(noCode)).toBe('BAD_USER_INPUT');
    expect(noCode.errors![0].extensions!.field).toBe('code');
    expect((await app.gql(ME, {}, user.token)).data).toEqual({
      me: { id: user.id, twoFactorEnabled: true },
    });
    expect(
      (await app.gql(DISABLE, { p: STRONG_PASSWORD, c: recoveryCodes[1] }, user.token)).data,
    ).toEqual({
      disableTwoFactor: true,
    });
    expect((await logIn(user)).errors).toBeUndefined();
    expect(await app.sql(`SELECT * FROM recovery_codes WHERE user_id = $1`, [user.id])).toEqual([]);
  });
});

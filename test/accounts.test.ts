import { buildUser, STRONG_PASSWORD } from './factories/user.factory';
import { dataFingerprint } from './support/counts';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

const SIGN_UP = `mutation ($input: SignUpInput!) {
  signUp(input: $input) { token expiresAt user { id email displayName createdAt } }
}`;
const LOG_IN = `mutation ($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { token user { id } }
}`;
const ME = `{ me { id email displayName } }`;

describe('signUp', () => {
  it('normalises the e-mail, stores only an argon2id hash and returns a working token', async () => {
    const response = await app.gql<{
      signUp: { token: string; expiresAt: string; user: { id: string; email: string } };
    }>(SIGN_UP, {
      input: {
        email: '  Ada.Lovelace@Example.COM ',
        password: STRONG_PASSWORD,
        displayName: 'Ada',
      },
    });
    expect(response.errors).toBeUndefined();
    const { token, user, expiresAt } = response.data!.signUp;
    expect(user.email).toBe('ada.lovelace@example.com');
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
    const [row] = await app.sql<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [user.id],
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const [session] = await app.sql<{ token_hash: string }>(
      'SELECT token_hash FROM sessions WHERE user_id = $1',
      [user.id],
    );
    expect(session.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(session.token_hash).not.toContain(token);
    const me = await app.gql<{ me: { id: string } }>(ME, {}, token);
    expect(me.data!.me.id).toBe(user.id);
  });

  it.each([
    ['short', 'Ab1!xyz', /at least 10/],
    ['common', 'password123', /too easy/],
    ['contains the name', 'Zebediah-Quokka-77', /name/],
    ['contains the e-mail', 'zebediah@example.com!!', /e-mail/],
    ['over 256 characters', 'Xy9!'.repeat(70), /at most 256/],
  ])(
    'refuses a %s password with BAD_USER_INPUT on field "password" and creates nothing',
    async (_, password, reason) => {
      const before = await dataFingerprint(app);
      const response = await app.gql(SIGN_UP, {
        input: { email: 'zebediah@example.com', password, displayName: 'Zebediah' },
      });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].extensions!.field).toBe('password');
      expect(response.errors![0].message).toMatch(reason);
      expect(await dataFingerprint(app)).toBe(before);
    },
  );

  it('refuses a malformed e-mail and an empty display name, naming the field', async () => {
    const bad = await app.gql(SIGN_UP, {
      input: { email: 'not-an-email', password: STRONG_PASSWORD, displayName: 'X' },
    });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0].extensions!.field).toBe('email');
    const empty = await app.gql(SIGN_UP, {
      input: { email: 'x@example.com', password: STRONG_PASSWORD, displayName: '  ' },
    });
    expect(empty.errors![0].extensions!.field).toBe('displayName');
  });

  it('refuses a duplicate e-mail (after normalisation) with CONFLICT', async () => {
    const user = await buildUser(app);
    const before = await dataFingerprint(app);
    const response = await app.gql(SIGN_UP, {
      input: { email: user.email.toUpperCase(), password: STRONG_PASSWORD, displayName: 'Copy' },
    });
    expect(errorCode(response)).toBe('CONFLICT');
    expect(await dataFingerprint(app)).toBe(before);
  });
});

describe('logIn', () => {
  it('opens a new session for the right password', async () => {
    const user = await buildUser(app);
    const response = await app.gql<{ logIn: { token: string; user: { id: string } } }>(LOG_IN, {
      email: ` ${user.email.toUpperCase()} `,
      password: user.password,
    });
    expect(response.data!.logIn.user.id).toBe(user.id);
    expect(response.data!.logIn.token).not.toBe(user.token);
    const me = await app.gql<{ me: { id: string } }>(ME, {}, response.data!.logIn.token);
    expect(me.data!.me.id).toBe(user.id);
  });

  it('answers an unknown e-mail and a wrong password with the same error', async () => {
    const user = await buildUser(app);
    const wrong = await app.gql(LOG_IN, { email: user.email, password: 'Wrong-Password-123!' });
    const unknown = await app.gql(LOG_IN, {
      email: 'nobody-here@example.com',
      password: 'Wrong-Password-123!',
    });
    expect(wrong.data).toBeNull();
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
    expect(errorCode(unknown)).toBe(errorCode(wrong));
  });
});

describe('sessions', () => {
  const SESSIONS = `{ mySessions { id current userAgent createdAt lastUsedAt expiresAt } }`;

  it('lists my sessions and marks the current one', async () => {
    const user = await buildUser(app);
    const second = await app.gql<{ logIn: { token: string } }>(LOG_IN, {
      email: user.email,
      password: user.password,
    });
    const list = await app.gql<{ mySessions: { id: string; current: boolean }[] }>(
      SESSIONS,
      {},
      user.token,
    );
    expect(list.data!.mySessions).toHaveLength(2);
    expect(list.data!.mySessions.filter((s) => s.current)).toHaveLength(1);
    const other = await app.gql<{ mySessions: { id: string; current: boolean }[] }>(
      SESSIONS,
      {},
      second.data!.logIn.token,
    );
    expect(other.data!.mySessions.find((s) => s.current)!.id).not.toBe(
      list.data!.mySessions.find((s) => s.current)!.id,
    );
  });

  it('logOut revokes the current token at once', async () => {
    const user = await buildUser(app);
    expect((await app.gql(`mutation { logOut }`, {}, user.token)).data).toEqual({ logOut: true });
    const me = await app.gql<{ me: null }>(ME, {}, user.token);
    expect(me.data!.me).toBeNull();
    const sessions = await app.gql(SESSIONS, {}, user.token);
    expect(errorCode(sessions)).toBe('UNAUTHENTICATED');
    const again = await app.gql(`mutation { logOut }`, {}, user.token);
    expect(errorCode(again)).toBe('UNAUTHENTICATED');
  });

  it("revokeSession revokes one of my sessions, and someone else's is NOT_FOUND and untouched", async () => {
    const user = await buildUser(app);
    const second = await app.gql<{ logIn: { token: string } }>(LOG_IN, {
      email: user.email,
      password: user.password,
    });
    const stranger = await buildUser(app);
    const list = await app.gql<{ mySessions: { id: string; current: boolean }[] }>(
      SESSIONS,
      {},
      user.token,
    );
    const otherId = list.data!.mySessions.find((s) => !s.current)!.id;

    const denied = await app.gql(
      `mutation ($id: ID!) { revokeSession(id: $id) }`,
      { id: otherId },
      stranger.token,
    );
    expect(errorCode(denied)).toBe('NOT_FOUND');
    expect(
      (await app.gql<{ me: { id: string } }>(ME, {}, second.data!.logIn.token)).data!.me,
    ).not.toBeNull();

    // Not an id at all: refused at the edge.
    const garbage = await app.gql(`mutation { revokeSession(id: "not-a-uuid") }`, {}, user.token);
    expect(errorCode(garbage)).toBe('BAD_USER_INPUT');

    const ok = await app.gql(
      `mutation ($id: ID!) { revokeSession(id: $id) }`,
      { id: otherId },
      user.token,
    );
    expect(ok.data).toEqual({ revokeSession: true });
    expect((await app.gql<{ me: null }>(ME, {}, second.data!.logIn.token)).data!.me).toBeNull();
    const twice = await app.gql(
      `mutation ($id: ID!) { revokeSession(id: $id) }`,
      { id: otherId },
      user.token,
    );
    expect(errorCode(twice)).toBe('NOT_FOUND');
  });

  it('revokeOtherSessions keeps only the current session', async () => {
    const user = await buildUser(app);
    const tokens = [];
    for (let i = 0; i < 3; i += 1) {
      const r = await app.gql<{ logIn: { token: string } }>(LOG_IN, {
        email: user.email,
        password: user.password,
      });
      tokens.push(r.data!.logIn.token);
    }
    const response = await app.gql<{ revokeOtherSessions: number }>(
      `mutation { revokeOtherSessions }`,
      {},
      user.token,
    );
    expect(response.data!.revokeOtherSessions).toBe(3);
    for (const token of tokens)
      expect((await app.gql<{ me: null }>(ME, {}, token)).data!.me).toBeNull();
    expect((await app.gql<{ me: { id: string } }>(ME, {}, user.token)).data!.me.id).toBe(user.id);
  });
});

describe('changePassword', () => {
  const CHANGE = `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`;

  it('changes the password and revokes every other session', async () => {
    const user = await buildUser(app);
    const other = await app.gql<{ logIn: { token: string } }>(LOG_IN, {
      email: user.email,
      password: user.password,
    });
    const newPassword = 'Harbor-Pelican-Saffron-82?';
    const response = await app.gql(CHANGE, { c: user.password, n: newPassword }, user.token);
    expect(response.data).toEqual({ changePassword: true });
    expect((await app.gql<{ me: null }>(ME, {}, other.data!.logIn.token)).data!.me).toBeNull();
    expect((await app.gql<{ me: { id: string } }>(ME, {}, user.token)).data!.me.id).toBe(user.id);
    expect(errorCode(await app.gql(LOG_IN, { email: user.email, password: user.password }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await app.gql(LOG_IN, { email: user.email, password: newPassword })).errors,
    ).toBeUndefined();
  });

  it('refuses a wrong current password or a weak new one, changing nothing', async () => {
    const user = await buildUser(app);
    const before = await dataFingerprint(app);
    const wrong = await app.gql(
      CHANGE,
      { c: 'Not-My-Password-1!', n: 'Harbor-Pelican-Saffron-82?' },
      user.token,
    );
    expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors![0].extensions!.field).toBe('currentPassword');
    const weak = await app.gql(CHANGE, { c: user.password, n: 'password1' }, user.token);
    expect(errorCode(weak)).toBe('BAD_USER_INPUT');
    expect(weak.errors![0].extensions!.field).toBe('newPassword');
    expect(await dataFingerprint(app)).toBe(before);
  });
});

describe('updateProfile', () => {
  const UPDATE = `mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { id displayName } }`;

  it('updates my display name', async () => {
    const user = await buildUser(app);
    const response = await app.gql<{ updateProfile: { displayName: string } }>(
      UPDATE,
      { input: { displayName: '  Grace Hopper ' } },
      user.token,
    );
    expect(response.data!.updateProfile.displayName).toBe('Grace Hopper');
    expect(
      (await app.gql<{ me: { displayName: string } }>(ME, {}, user.token)).data!.me.displayName,
    ).toBe('Grace Hopper');
  });

  it('refuses an empty or over-long name', async () => {
    const user = await buildUser(app);
    for (const displayName of ['', 'x'.repeat(101)]) {
      const response = await app.gql(UPDATE, { input: { displayName } }, user.token);
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].extensions!.field).toBe('displayName');
    }
  });
});

describe('me', () => {
  it('is null when anonymous and when the token is garbage', async () => {
    expect((await app.gql(ME)).data).toEqual({ me: null });
    expect((await app.gql(ME, {}, 'garbage')).data).toEqual({ me: null });
  });
});

import { buildInvitation } from './factories/invitation.factory';
import { addMember, buildTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { errorCode, startTestApp, type TestApp } from './support/test-app';
import { connectLive, subscribe } from './support/ws-client';

/**
 * Every check of a secret has a budget, counted per alias: changePassword shares log-in's
 * per-account lock; invitation previews are counted per IP; verifyActivityLog runs at most once
 * per request and is weighted by the length of the log it rehashes.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ RATE_LIMITS: 'on' });
});
afterAll(() => app?.stop());

const LOG_IN = `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`;
const NEW_PASSWORD = 'Amber-Harbour-Violin-93!';

/** One changePassword per alias, with these current passwords. */
const CHANGE = (currents: string[]) =>
  `mutation { ${currents
    .map(
      (current, i) =>
        `a${i}: changePassword(currentPassword: "${current}", newPassword: "${NEW_PASSWORD}")`,
    )
    .join(' ')} }`;

async function passwordHash(user: TestUser): Promise<string> {
  const [row] = await app.sql<{ password_hash: string }>(
    `SELECT password_hash FROM users WHERE id = $1`,
    [user.id],
  );
  return row.password_hash;
}

describe('changePassword spends the log-in budget', () => {
  it('ten wrong guesses lock the account: the right password is then refused, nothing changes', async () => {
    const user = await buildUser(app);
    const before = await passwordHash(user);
    // A failed alias ends the mutation (its field is non-null): the right password aliased
    // after a wrong one never runs, and each guess costs a request.
    for (let i = 0; i < 10; i += 1) {
      const guess = await app.gql(
        CHANGE([`Wrong-Guess-${i}-Password!`, user.password]),
        {},
        user.token,
      );
      expect(guess.errors!.map((e) => [e.path, e.extensions!.code])).toEqual([
        [['a0'], 'BAD_USER_INPUT'],
      ]);
    }
    const right = await app.gql(CHANGE([user.password]), {}, user.token);
    expect(errorCode(right)).toBe('RATE_LIMITED');
    expect(right.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(await passwordHash(user)).toBe(before);
    // It is the same lock as log-in's.
    const logIn = await app.gql(LOG_IN, { e: user.email, p: user.password });
    expect(errorCode(logIn)).toBe('RATE_LIMITED');
  });

  it('a user who mistypes once and then gets it right changes their password', async () => {
    const user = await buildUser(app);
    const wrong = await app.gql(CHANGE(['Not-My-Password-11!']), {}, user.token);
    expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors![0].extensions!.field).toBe('currentPassword');
    const right = await app.gql(CHANGE([user.password]), {}, user.token);
    expect(right.errors).toBeUndefined();
    expect(right.data).toEqual({ a0: true });
    const logIn = await app.gql(LOG_IN, { e: user.email, p: NEW_PASSWORD });
    expect(logIn.errors).toBeUndefined();
  });
});

describe('invitation previews are counted per IP', () => {
  it('allows 100 token look-ups per 15 minutes, each alias counted', async () => {
    const fresh = await startTestApp({ RATE_LIMITS: 'on' });
    try {
      const team = await buildTeam(fresh);
      const invitation = await buildInvitation(fresh, team);
      const aliased = (n: number) =>
        `{ ${Array.from(
          { length: n },
          (_, i) =>
            `p${i}: invitationPreview(token: "${i % 2 ? invitation.token : `guess-${i}`}") { teamName }`,
        ).join(' ')} }`;
      for (const n of [15, 15, 15, 15, 15, 15, 10]) {
        const response = await fresh.gql(aliased(n));
        expect(response.errors).toBeUndefined();
      }
      const over = await fresh.gql(aliased(2));
      expect(over.errors!.map((e) => [e.path, e.extensions!.code])).toEqual([
        [['p0'], 'RATE_LIMITED'],
        [['p1'], 'RATE_LIMITED'],
      ]);
    } finally {
      await fresh.stop();
    }
  });
});

describe('verifyActivityLog', () => {
  const VERIFY = `query ($t: ID!) { verifyActivityLog(teamId: $t) { intact checkedCount } }`;

  it('refuses two aliases in one request before running either, over HTTP and WebSocket', async () => {
    const team = await buildTeam(app);
    const twice = `query ($t: ID!) { a: verifyActivityLog(teamId: $t) { intact } b: verifyActivityLog(teamId: $t) { intact } }`;
    const http = await app.gql(twice, { t: team.id }, team.owner.token);
    expect(http.status).toBe(400);
    expect(errorCode(http)).toBe('BAD_USER_INPUT');
    expect(http.errors![0].message).toMatch(/at most once per request/);
    expect(http.data).toBeUndefined();
    // Hidden in fragments: still two response keys.
    const viaFragments = `query ($t: ID!) { ...A ...B } fragment A on Query { a: verifyActivityLog(teamId: $t) { intact } } fragment B on Query { b: verifyActivityLog(teamId: $t) { intact } }`;
    expect(errorCode(await app.gql(viaFragments, { t: team.id }, team.owner.token))).toBe(
      'BAD_USER_INPUT',
    );
    const live = await connectLive(app, team.owner.token);
    try {
      const feed = subscribe(live, twice, { t: team.id });
      await feed.untilComplete();
      const errors = (feed.error ?? feed.results[0]?.errors) as {
        message: string;
        extensions?: { code?: string };
      }[];
      expect(errors[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(errors[0].message).toMatch(/at most once per request/);
    } finally {
      await live.dispose();
    }
  });

  it('answers once per request, also when one fragment is spread twice (one execution)', async () => {
    const team = await buildTeam(app);
    const once = await app.gql(VERIFY, { t: team.id }, team.owner.token);
    expect(once.data).toEqual({ verifyActivityLog: { intact: true, checkedCount: 1 } });
    const sameKey = `query ($t: ID!) { ...V ...V } fragment V on Query { verifyActivityLog(teamId: $t) { intact } }`;
    const merged = await app.gql(sameKey, { t: team.id }, team.owner.token);
    expect(merged.errors).toBeUndefined();
    expect(merged.data).toEqual({ verifyActivityLog: { intact: true } });
  });

  it('is weighted by the length of the log: a long log spends the budget fast, a short one does not', async () => {
    const fresh = await startTestApp({ RATE_LIMITS: 'on' });
    try {
      const short = await buildTeam(fresh);
      const long = await buildTeam(fresh);
      const reader = await addMember(fresh, long, 'MEMBER', short.owner);
      // A 60,000-row log costs 61 of a member's 100 points. (The head no longer matches the
      // rows, which the check reports; what matters here is the cost.)
      await fresh.sql(`UPDATE teams SET last_seq = 60000 WHERE id = $1`, [long.id]);
      const first = await fresh.gql(VERIFY, { t: long.id }, reader.token);
      expect(first.data).toEqual({ verifyActivityLog: { intact: false, checkedCount: 1 } });
      // A short log costs one point: 20 checks of it fit in what is left (39 points).
      for (let i = 0; i < 20; i += 1) {
        const again = await fresh.gql(VERIFY, { t: short.id }, reader.token);
        expect(again.data).toEqual({ verifyActivityLog: { intact: true, checkedCount: 1 } });
      }
      const second = await fresh.gql(VERIFY, { t: long.id }, reader.token);
      expect(errorCode(second)).toBe('RATE_LIMITED');
      // The budget is the caller's: the long team's owner still checks it.
      const owner = await fresh.gql(VERIFY, { t: long.id }, long.owner.token);
      expect(owner.data).toEqual({ verifyActivityLog: { intact: false, checkedCount: 1 } });
    } finally {
      await fresh.stop();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { Session } from '../entities/session.entity';
import { User } from '../entities/user.entity';
import { SessionCache, type BusHealth } from '../src/accounts/session-cache';
import { InMemoryEventBus } from '../src/events/in-memory-event-bus';
import { buildUser, type TestUser } from './factories/user.factory';
import { describeWithRedis, requiredRedisUrl } from './support/redis-available';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

/**
 * Each instance keeps resolved sessions for a few seconds, and a revoked token is still
 * refused on its very next request on every instance: the instance where the revocation
 * commits drops it before answering, the others when the bus delivers the revocation (which
 * is published before the revoking request is answered).
 */
const ME = `query { me { id displayName } }`;
const LOG_OUT = `mutation { logOut }`;

/** Runs `work` and counts the session reads `app` made meanwhile. */
async function sessionReads(app: TestApp, work: () => Promise<unknown>): Promise<number> {
  const spy = jest.spyOn(app.app.services.dataSource.logger, 'logQuery');
  try {
    await work();
    return spy.mock.calls.filter(([sql]) => /FROM sessions s JOIN users u/.test(String(sql)))
      .length;
  } finally {
    spy.mockRestore();
  }
}

async function meOn(app: TestApp, user: TestUser) {
  const response = await app.gql<{ me: { id: string; displayName: string } | null }>(
    ME,
    {},
    user.token,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.me ?? null;
}

/** Until this instance serves the token from its cache (the first reads subscribe first). */
async function warm(app: TestApp, user: TestUser): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if ((await sessionReads(app, () => meOn(app, user))) === 0) return;
  }
  throw new Error('the session was never served from the cache');
}

/** The next request with the token is refused as unauthenticated. */
async function refused(app: TestApp, user: TestUser): Promise<void> {
  const response = await app.gql(`query { mySessions { id } }`, {}, user.token);
  expect(errorCode(response)).toBe('UNAUTHENTICATED');
}

describe('the session cache on one instance (in-process bus)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('serves a warm session without reading it, and refuses it right after logOut', async () => {
    const user = await buildUser(app);
    await warm(app, user);
    expect(await sessionReads(app, () => meOn(app, user))).toBe(0);
    expect((await app.gql(LOG_OUT, {}, user.token)).errors).toBeUndefined();
    await refused(app, user);
  });

  it('a profile change is seen on the next request', async () => {
    const user = await buildUser(app);
    await warm(app, user);
    const renamed = await app.gql(
      `mutation { updateProfile(input: { displayName: "Renamed Person" }) { displayName } }`,
      {},
      user.token,
    );
    expect(renamed.errors).toBeUndefined();
    expect((await meOn(app, user))?.displayName).toBe('Renamed Person');
  });

  it('SESSION_CACHE_TTL=0 reads the session on every request', async () => {
    const uncached = await startTestApp({ SESSION_CACHE_TTL: '0' });
    try {
      const user = await buildUser(uncached);
      for (let i = 0; i < 3; i += 1)
        expect(await sessionReads(uncached, () => meOn(uncached, user))).toBe(1);
    } finally {
      await uncached.stop();
    }
  });
});

const TWO_INSTANCES = 'the session cache on two instances sharing one database and one Redis';

describeWithRedis('session-cache', TWO_INSTANCES, () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ REDIS_URL: requiredRedisUrl() });
    b = await startTestApp({ REDIS_URL: requiredRedisUrl(), MIGRATE_ON_START: 'off' }, a);
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it.each([
    ['revoked on A', () => a],
    ['revoked on B', () => b],
  ])('a session logged out (%s) is refused on the very next request on both', async (_, where) => {
    const user = await buildUser(a);
    await warm(a, user);
    await warm(b, user);
    expect((await where().gql(LOG_OUT, {}, user.token)).errors).toBeUndefined();
    await refused(b, user);
    await refused(a, user);
  });

  it('revokeOtherSessions on A ends the other session cached on B at once', async () => {
    const user = await buildUser(a);
    const logIn = await b.gql<{ logIn: { token: string } }>(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: user.email, p: user.password },
    );
    const other = { ...user, token: logIn.data!.logIn.token };
    await warm(b, other);
    await warm(a, other);
    const revoked = await a.gql(`mutation { revokeOtherSessions }`, {}, user.token);
    expect(revoked.errors).toBeUndefined();
    await refused(b, other);
    await refused(a, other);
    // The session that revoked the others still works, on both.
    expect((await meOn(b, user))?.id).toBe(user.id);
    expect((await meOn(a, user))?.id).toBe(user.id);
  });

  it('a profile changed on A is read afresh on B', async () => {
    const user = await buildUser(a);
    await warm(b, user);
    const renamed = await a.gql(
      `mutation { updateProfile(input: { displayName: "Seen Everywhere" }) { id } }`,
      {},
      user.token,
    );
    expect(renamed.errors).toBeUndefined();
    expect((await meOn(b, user))?.displayName).toBe('Seen Everywhere');
  });
});

describe('SessionCache while the bus cannot be trusted', () => {
  const viewer = () => {
    const user = Object.assign(new User(), { id: randomUUID(), displayName: 'x' });
    const session = Object.assign(new Session(), {
      id: randomUUID(),
      userId: user.id,
      expiresAt: new Date(Date.now() + 60_000),
    });
    return { user, session };
  };

  it('stores and serves nothing while untrusted, and forgets everything on a new epoch', () => {
    const health = { epoch: 0, trusted: true };
    const bus = new InMemoryEventBus();
    const cache = new SessionCache(bus, 5_000, {
      epoch: () => health.epoch,
      trusted: () => health.trusted,
    } satisfies BusHealth);
    try {
      const one = viewer();
      cache.store('t1', one, cache.ticket()); // subscribes to the user's channel first
      cache.store('t1', one, cache.ticket());
      expect(cache.get('t1')?.user.id).toBe(one.user.id);
      health.trusted = false;
      expect(cache.get('t1')).toBeNull();
      cache.store('t1', one, cache.ticket());
      health.trusted = true;
      expect(cache.get('t1')).toBeNull();
      cache.store('t1', one, cache.ticket());
      cache.store('t1', one, cache.ticket());
      expect(cache.get('t1')).not.toBeNull();
      health.epoch = 1; // the broker connection dropped and came back
      expect(cache.get('t1')).toBeNull();
    } finally {
      cache.close();
    }
  });

  it('a read that began before a drop is not stored', () => {
    const cache = new SessionCache(new InMemoryEventBus(), 5_000);
    try {
      const one = viewer();
      cache.store('t', one, cache.ticket());
      const ticket = cache.ticket();
      cache.drop(one.user.id);
      cache.store('t', one, ticket);
      expect(cache.get('t')).toBeNull();
      expect(cache.size()).toBe(0);
    } finally {
      cache.close();
    }
  });

  it('on the in-process bus, a read is quiet unless some revocation was committed here after it began', () => {
    const cache = new SessionCache(new InMemoryEventBus(), 5_000);
    try {
      const [one, other] = [viewer(), viewer()];
      const before = cache.ticket();
      expect(cache.quietSince(one.user.id, before)).toBe(true);
      const during = cache.ticket();
      cache.committed([{ kind: 'sessions-revoked', userId: other.user.id, sessionIds: [] }]);
      // Anyone's revocation after the read began: the read may be stale, so it is not quiet.
      expect(cache.quietSince(one.user.id, during)).toBe(false);
      expect(cache.quietSince(one.user.id, before)).toBe(false);
      expect(cache.quietSince(one.user.id, cache.ticket())).toBe(true);
      // And nothing read before it is stored.
      cache.store('t', one, during);
      expect(cache.get('t')).toBeNull();
      cache.store('t', one, cache.ticket());
      expect(cache.get('t')?.user.id).toBe(one.user.id);
    } finally {
      cache.close();
    }
  });

  it('on a broker, a user nobody here watched since before the read is never quiet', () => {
    const cache = new SessionCache(new InMemoryEventBus(), 5_000, {
      epoch: () => 0,
      trusted: () => true,
    } satisfies BusHealth);
    try {
      const one = viewer();
      expect(cache.quietSince(one.user.id, cache.ticket())).toBe(false);
    } finally {
      cache.close();
    }
  });
});

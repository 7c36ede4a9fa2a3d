import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DomainEvent } from '../src/events/domain-events';
import { connectRedisEventBus } from '../src/events/create-event-bus';
import { createLogger } from '../src/logging/logger';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { liveIdle, subscriptionsRunning } from './support/live-gauges';
import { describeWithRedis, requiredRedisUrl } from './support/redis-available';
import { createScratchDatabase } from './support/scratch-database';
import { oneQueryAtATime, remoteApp } from './support/remote-app';
import { startServerProcess, type ServerProcess } from './support/server-process';
import type { TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';
import {
  MY_ACTIVITY,
  TEAM_ACTIVITY,
  connectLive,
  endCode,
  subscribe,
  withTimeout,
  type Feed,
  type LiveClient,
} from './support/ws-client';

/**
 * Scale-out: two real server processes on one database and one Redis. A client on one
 * instance sees what is done on the other, and revocations end streams on both.
 */
const RENAME = `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`;
const WITHIN_MS = 1_000;

const seqs = (feed: Feed, field: string) => feed.values<{ seq: number }>(field).map((x) => x.seq);

describeWithRedis('live-redis', 'live feeds on two server processes sharing Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let servers: ServerProcess[] = [];
  let db: Client;
  let dropDatabase: () => Promise<void> = async () => undefined;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    const database = await createScratchDatabase();
    dropDatabase = database.drop;
    db = new Client({ connectionString: database.url });
    const env = { DATABASE_URL: database.url, REDIS_URL: requiredRedisUrl() };
    // One after the other: the first applies the migrations.
    servers.push(await startServerProcess(env));
    servers.push(await startServerProcess(env));
    await db.connect();
    const sql = oneQueryAtATime(db);
    a = remoteApp(servers[0], sql);
    b = remoteApp(servers[1], sql);
  }, 90_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    // Each test starts with no socket and no subscription on either instance.
    await Promise.all([liveIdle(a), liveIdle(b)]);
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
    await db?.end();
    await dropDatabase();
  });

  async function open(app: TestApp, token: string) {
    const live = await connectLive(app, token);
    clients.push(live);
    return live;
  }

  async function ok(
    app: TestApp,
    query: string,
    variables: Record<string, unknown>,
    token: string,
  ) {
    const response = await app.gql(query, variables, token);
    expect(response.errors).toBeUndefined();
  }

  async function teamOf(): Promise<{ team: TestTeam; owner: TestUser; member: TestUser }> {
    const team = await buildTeam(a);
    const member = await addMember(a, team, 'MEMBER', await buildUser(b));
    return { team, owner: team.owner, member };
  }

  it('a mutation on one instance reaches subscribers on both, once each, in order', async () => {
    const { team, owner, member } = await teamOf();
    const onB = subscribe(await open(b, member.token), TEAM_ACTIVITY, { teamId: team.id });
    const onA = subscribe(await open(a, member.token), TEAM_ACTIVITY, { teamId: team.id });
    const mineOnB = subscribe(await open(b, member.token), MY_ACTIVITY);
    await subscriptionsRunning(1, a);
    await subscriptionsRunning(2, b);
    await ok(a, RENAME, { teamId: team.id, name: 'From A' }, owner.token);
    await ok(b, RENAME, { teamId: team.id, name: 'From B' }, owner.token);
    await ok(a, RENAME, { teamId: team.id, name: 'From A again' }, owner.token);
    // The sentinel, seq 5: a repeat of any earlier one would have arrived before it.
    await ok(b, RENAME, { teamId: team.id, name: 'Sentinel' }, owner.token);
    const sentinel = (x: { seq: number }) => x.seq === 5;
    for (const feed of [onA, onB]) await feed.untilValue('teamActivity', sentinel, 'seq 5');
    await mineOnB.untilValue('myActivity', sentinel, 'seq 5');
    expect(seqs(onA, 'teamActivity')).toEqual([2, 3, 4, 5]);
    expect(seqs(onB, 'teamActivity')).toEqual([2, 3, 4, 5]);
    expect(seqs(mineOnB, 'myActivity')).toEqual([2, 3, 4, 5]);
  });

  it('replay on one instance while the other commits: no gap, no duplicate', async () => {
    const { team, owner } = await teamOf();
    for (let i = 0; i < 20; i += 1)
      await ok(a, RENAME, { teamId: team.id, name: `seed ${i}` }, owner.token);
    let written = 0;
    const writing = (async () => {
      for (let i = 0; i < 40; i += 1) {
        await ok(a, RENAME, { teamId: team.id, name: `w ${i}` }, owner.token);
        written += 1;
      }
    })();
    // Subscribe once the writer is under way, so replay and live overlap.
    await waitUntil(() => written >= 3, 'the writer to be under way');
    const feed = subscribe(await open(b, owner.token), TEAM_ACTIVITY, {
      teamId: team.id,
      afterSeq: 5,
    });
    await writing;
    // The sentinel comes after the burst.
    await ok(a, RENAME, { teamId: team.id, name: 'Sentinel' }, owner.token);
    const last = 1 + 20 + 40 + 1;
    await feed.untilValue<{ seq: number }>(
      'teamActivity',
      (x) => x.seq === last,
      `seq ${last}`,
      15_000,
    );
    expect(seqs(feed, 'teamActivity')).toEqual(Array.from({ length: last - 5 }, (_, i) => i + 6));
  }, 60_000);

  it('a removal on one instance ends the stream on the other within a second', async () => {
    const { team, owner, member } = await teamOf();
    const onB = subscribe(await open(b, member.token), TEAM_ACTIVITY, { teamId: team.id });
    const ownerOnB = subscribe(await open(b, owner.token), TEAM_ACTIVITY, { teamId: team.id });
    await subscriptionsRunning(2, b);
    const started = Date.now();
    await ok(
      a,
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: member.id },
      owner.token,
    );
    await onB.untilComplete(WITHIN_MS + 500);
    expect(Date.now() - started).toBeLessThan(WITHIN_MS);
    expect(endCode(onB)).toBe('ACCESS_REVOKED');
    // Access is judged at commit: the removal is the last row owed, then the end.
    expect(onB.results).toHaveLength(2);
    expect(onB.values('teamActivity')).toMatchObject([
      { action: 'MEMBER_REMOVED', subjectId: member.id },
    ]);
    await ownerOnB.untilCount(1);
    expect(ownerOnB.completed).toBe(false);
  });

  it('a team deleted on one instance: TEAM_DELETED then ACCESS_REVOKED on the other', async () => {
    const { team, owner, member } = await teamOf();
    const onA = subscribe(await open(a, member.token), TEAM_ACTIVITY, { teamId: team.id });
    await subscriptionsRunning(1, a);
    await ok(b, `mutation ($t: ID!) { deleteTeam(teamId: $t) }`, { t: team.id }, owner.token);
    await onA.untilComplete(WITHIN_MS + 500);
    expect(onA.values<{ action: string }>('teamActivity').map((x) => x.action)).toEqual([
      'TEAM_DELETED',
    ]);
    expect(endCode(onA)).toBe('ACCESS_REVOKED');
  });

  it('logging out on one instance closes the session’s socket on the other (4403)', async () => {
    const user = await buildUser(a);
    // Acknowledged only once B listens for the session's revocation.
    const onB = await open(b, user.token);
    const started = Date.now();
    await ok(a, `mutation { logOut }`, {}, user.token);
    const closed = await withTimeout(onB.closed, WITHIN_MS + 500, 'socket close on B');
    expect(Date.now() - started).toBeLessThan(WITHIN_MS);
    expect(closed.code).toBe(4403);
  });
});

describeWithRedis('live-redis', 'RedisEventBus', () => {
  it('delivers between buses and lets go of Redis channels nobody listens to', async () => {
    const logger = createLogger('silent');
    const one = connectRedisEventBus({ kind: 'single', url: requiredRedisUrl() }, logger);
    const two = connectRedisEventBus({ kind: 'single', url: requiredRedisUrl() }, logger);
    try {
      const channel = `team.${randomUUID()}`;
      const teamId = channel.slice('team.'.length);
      const received: DomainEvent[] = [];
      const unsubscribe = two.subscribe(channel, (event) => received.push(event));
      const second = two.subscribe(channel, () => undefined);
      await unsubscribe.ready;
      expect(two.listenerCount()).toBe(2);
      expect(two.channelCount()).toBe(1);
      const event: DomainEvent = { kind: 'access-revoked', teamId, userId: null };
      await one.publish([event, { ...event, userId: 'someone' }]);
      await waitUntil(() => received.length >= 2, 'two events');
      expect(received).toEqual([event, { ...event, userId: 'someone' }]);
      unsubscribe();
      unsubscribe(); // idempotent
      expect(two.channelCount()).toBe(1);
      second();
      expect(two.listenerCount()).toBe(0);
      expect(two.channelCount()).toBe(0);
      // The sentinel, on another channel, published after the one nobody listens to: Redis
      // hands a subscriber its messages in publish order.
      const sentinels: DomainEvent[] = [];
      const other = `team.${randomUUID()}`;
      const stop = two.subscribe(other, (e) => sentinels.push(e));
      await stop.ready;
      const sentinel: DomainEvent = { ...event, teamId: other.slice('team.'.length) };
      await one.publish([event, sentinel]);
      await waitUntil(() => sentinels.length > 0, 'the sentinel');
      expect(sentinels).toEqual([sentinel]);
      expect(received).toHaveLength(2);
      stop();
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('RedisEventBus with Redis unreachable', () => {
  it('a publish after commit neither throws nor hangs; subscriptions start anyway', async () => {
    const bus = connectRedisEventBus(
      { kind: 'single', url: 'redis://127.0.0.1:1' },
      createLogger('silent'),
    );
    try {
      const started = Date.now();
      const unsubscribe = bus.subscribe(`team.${randomUUID()}`, () => undefined);
      await unsubscribe.ready;
      await expect(
        bus.publish([{ kind: 'access-revoked', teamId: randomUUID(), userId: null }]),
      ).resolves.toBeUndefined();
      expect(Date.now() - started).toBeLessThan(6_000);
      unsubscribe();
      expect(bus.listenerCount()).toBe(0);
    } finally {
      await bus.close();
    }
  });
});

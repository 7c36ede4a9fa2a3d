import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '../src/events/domain-events';
import { connectRedisEventBus } from '../src/events/create-event-bus';
import { createLogger } from '../src/logging/logger';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { describeWithRedis, redisUrl, requiredRedisUrl } from './support/redis-available';
import type { TestApp } from './support/test-app';
import { TwoInstances } from './support/two-instances';
import {
  MY_ACTIVITY,
  TEAM_ACTIVITY,
  endCode,
  sleep,
  subscribe,
  withTimeout,
  type Feed,
} from './support/ws-client';

/**
 * Scale-out: two real server processes on one database and one Redis. A client on one
 * instance sees what is done on the other, and revocations end streams on both.
 */
const RENAME = `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`;
const WITHIN_MS = 1_000;

let instances: TwoInstances | undefined;
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  if (!redisUrl) return; // every suite that needs these servers is skipped, saying so
  instances = await TwoInstances.start({ REDIS_URL: redisUrl });
  ({ a, b } = instances);
}, 90_000);

afterEach(async () => {
  await instances?.closeSockets();
});

afterAll(async () => {
  await instances?.stop();
});

/** One test on the two instances; its suite is skipped, saying so, without REDIS_URL. */
const twoInstances = (name: string, body: () => Promise<void>, timeout?: number) =>
  it(name, body, timeout);

async function open(app: TestApp, token: string) {
  if (!instances) throw new Error('the instances did not start');
  return instances.open(app, token);
}

async function ok(app: TestApp, query: string, variables: Record<string, unknown>, token: string) {
  const response = await app.gql(query, variables, token);
  expect(response.errors).toBeUndefined();
}

async function teamOf(): Promise<{ team: TestTeam; owner: TestUser; member: TestUser }> {
  const team = await buildTeam(a);
  const member = await addMember(a, team, 'MEMBER', await buildUser(b));
  return { team, owner: team.owner, member };
}

const seqs = (feed: Feed, field: string) => feed.values<{ seq: number }>(field).map((x) => x.seq);

describeWithRedis('live-redis', 'live feeds on two server processes sharing Redis', () => {
  twoInstances(
    'a mutation on one instance reaches subscribers on both, once each, in order',
    async () => {
      const { team, owner, member } = await teamOf();
      const onB = subscribe(await open(b, member.token), TEAM_ACTIVITY, { teamId: team.id });
      const onA = subscribe(await open(a, member.token), TEAM_ACTIVITY, { teamId: team.id });
      const mineOnB = subscribe(await open(b, member.token), MY_ACTIVITY);
      await sleep(200);
      await ok(a, RENAME, { teamId: team.id, name: 'From A' }, owner.token);
      await ok(b, RENAME, { teamId: team.id, name: 'From B' }, owner.token);
      await ok(a, RENAME, { teamId: team.id, name: 'From A again' }, owner.token);
      for (const feed of [onA, onB]) await feed.untilCount(3);
      await mineOnB.untilCount(3);
      await sleep(200);
      expect(seqs(onA, 'teamActivity')).toEqual([2, 3, 4]);
      expect(seqs(onB, 'teamActivity')).toEqual([2, 3, 4]);
      expect(seqs(mineOnB, 'myActivity')).toEqual([2, 3, 4]);
    },
  );

  twoInstances(
    'replay on one instance while the other commits: no gap, no duplicate',
    async () => {
      const { team, owner } = await teamOf();
      for (let i = 0; i < 20; i += 1)
        await ok(a, RENAME, { teamId: team.id, name: `seed ${i}` }, owner.token);
      const writing = (async () => {
        for (let i = 0; i < 40; i += 1)
          await ok(a, RENAME, { teamId: team.id, name: `w ${i}` }, owner.token);
      })();
      await sleep(100);
      const feed = subscribe(await open(b, owner.token), TEAM_ACTIVITY, {
        teamId: team.id,
        afterSeq: 5,
      });
      await writing;
      const last = 1 + 20 + 40;
      await feed.until((f) => seqs(f, 'teamActivity').at(-1) === last, 15_000, `seq ${last}`);
      await sleep(200);
      expect(seqs(feed, 'teamActivity')).toEqual(Array.from({ length: last - 5 }, (_, i) => i + 6));
    },
    60_000,
  );

  twoInstances(
    'a removal on one instance ends the stream on the other within a second',
    async () => {
      const { team, owner, member } = await teamOf();
      const onB = subscribe(await open(b, member.token), TEAM_ACTIVITY, { teamId: team.id });
      const ownerOnB = subscribe(await open(b, owner.token), TEAM_ACTIVITY, { teamId: team.id });
      await sleep(200);
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
      expect(onB.results).toHaveLength(1);
      await ownerOnB.untilCount(1);
      expect(ownerOnB.completed).toBe(false);
    },
  );

  twoInstances(
    'a team deleted on one instance: TEAM_DELETED then ACCESS_REVOKED on the other',
    async () => {
      const { team, owner, member } = await teamOf();
      const onA = subscribe(await open(a, member.token), TEAM_ACTIVITY, { teamId: team.id });
      await sleep(200);
      await ok(b, `mutation ($t: ID!) { deleteTeam(teamId: $t) }`, { t: team.id }, owner.token);
      await onA.untilComplete(WITHIN_MS + 500);
      expect(onA.values<{ action: string }>('teamActivity').map((x) => x.action)).toEqual([
        'TEAM_DELETED',
      ]);
      expect(endCode(onA)).toBe('ACCESS_REVOKED');
    },
  );

  twoInstances(
    'logging out on one instance closes the session’s socket on the other (4403)',
    async () => {
      const user = await buildUser(a);
      const onB = await open(b, user.token);
      await sleep(200);
      const started = Date.now();
      await ok(a, `mutation { logOut }`, {}, user.token);
      const closed = await withTimeout(onB.closed, WITHIN_MS + 500, 'socket close on B');
      expect(Date.now() - started).toBeLessThan(WITHIN_MS);
      expect(closed.code).toBe(4403);
    },
  );
});

describeWithRedis('live-redis', 'RedisEventBus', () => {
  twoInstances(
    'delivers between buses and lets go of Redis channels nobody listens to',
    async () => {
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
        const deadline = Date.now() + 2_000;
        while (received.length < 2 && Date.now() < deadline) await sleep(10);
        expect(received).toEqual([event, { ...event, userId: 'someone' }]);
        unsubscribe();
        unsubscribe(); // idempotent
        expect(two.channelCount()).toBe(1);
        second();
        expect(two.listenerCount()).toBe(0);
        expect(two.channelCount()).toBe(0);
        await one.publish([event]);
        await sleep(100);
        expect(received).toHaveLength(2);
      } finally {
        await one.close();
        await two.close();
      }
    },
  );
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

import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import type { TestUser } from './factories/user.factory';
import { insertUser } from './support/fast-users';
import { PrivateRedisCluster } from './support/redis-cluster';
import { redisServerMissing } from './support/redis-server';
import { subscriptionsRunning } from './support/live-gauges';
import { servedMetric } from './support/served-metrics';
import type { TestApp } from './support/test-app';
import { TwoInstances } from './support/two-instances';
import { untilEqual } from './support/until-equal';
import {
  MY_ACTIVITY,
  TEAM_ACTIVITY,
  endCode,
  subscribe,
  withTimeout,
  type Feed,
} from './support/ws-client';

/**
 * Scale-out over a Redis Cluster: two real server processes on one database and a
 * three-node cluster this suite starts itself (REDIS_CLUSTER_NODES), so the bus uses sharded
 * pub/sub. Each team's channel lives on the node that owns its hash slot: events of different
 * teams travel through different nodes, an instance holds a team's channel only while it has
 * a subscriber of that team, and revocations still end streams and sockets on the other
 * instance — also when a node was away and comes back.
 */
const RENAME = `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`;
const REMOVE = `mutation ($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) }`;
const WITHIN_MS = 1_000;
/** What an instance logs when Redis did not take an event. */
const NOT_PUBLISHED = 'events could not be published on redis';
const NODES = 3;

const teamChannel = (teamId: string) => `teamgraph:team.${teamId}`;
const userChannel = (userId: string) => `teamgraph:user.${userId}`;
const seqs = (feed: Feed, field: string) => feed.values<{ seq: number }>(field).map((x) => x.seq);
const teamChannelsHeld = (app: TestApp) => servedMetric(app, 'teamgraph_live_team_channels');
/** What `/readyz` says of Redis. */
const redisReadiness = async (app: TestApp) =>
  ((await (await fetch(new URL('/readyz', app.url))).json()) as { redis?: string }).redis;

const missing = redisServerMissing();
if (missing) console.log(`live-redis-cluster: skipped: ${missing}`);
const maybe = missing ? describe.skip : describe;

maybe('live feeds on two instances over a three-node Redis Cluster', () => {
  let cluster: PrivateRedisCluster | undefined;
  let instances: TwoInstances | undefined;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    cluster = await PrivateRedisCluster.start(NODES);
    instances = await TwoInstances.start({ REDIS_CLUSTER_NODES: cluster.nodeList });
    ({ a, b } = instances);
  }, 120_000);

  afterEach(async () => {
    if (!instances) return;
    await instances.closeSockets();
    // The next test starts from instances that hold no subscription.
    for (const app of [a, b]) await subscriptionsRunning(0, app);
  });

  afterAll(async () => {
    await instances?.stop();
    await cluster?.stop();
  });

  const nodes = () => {
    if (!cluster) throw new Error('the cluster did not start');
    return cluster;
  };
  const serversOf = () => {
    if (!instances) throw new Error('the instances did not start');
    return instances;
  };

  const open = (app: TestApp, token: string) => serversOf().open(app, token);

  const ok = async (
    app: TestApp,
    query: string,
    variables: Record<string, unknown>,
    token: string,
  ) => {
    const response = await app.gql(query, variables, token);
    expect(response.errors).toBeUndefined();
  };

  /** A team whose channel lives on node `node` (team ids are random: try until one does). */
  const teamOnNode = async (node: number, owner?: TestUser): Promise<TestTeam> => {
    const creator = owner ?? (await insertUser(a));
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const team = await buildTeam(a, creator);
      if ((await nodes().nodeOf(teamChannel(team.id))) === node) return team;
    }
    throw new Error(`no team channel hashed to node ${node} in 40 tries`);
  };

  /** A user whose own channel (revocations, account events) lives on node `node`. */
  const userOnNode = async (node: number): Promise<TestUser> => {
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const user = await insertUser(a);
      if ((await nodes().nodeOf(userChannel(user.id))) === node) return user;
    }
    throw new Error(`no user channel hashed to node ${node} in 40 tries`);
  };

  /** Resolves once `count` subscriptions run on the instance (its own gauge, in /metrics). */
  const untilRunning = (app: TestApp, count: number) => subscriptionsRunning(count, app);

  it('delivers every event to every entitled subscriber on both instances, each team through the node of its channel', async () => {
    // One team per node, the owner subscribed to each on A and a member on B; `everywhere`
    // belongs to all of them (myActivity on A), `onlyFirst` to the first (myActivity on B).
    const owner = await insertUser(a);
    const teams: TestTeam[] = [];
    for (let node = 0; node < NODES; node += 1) teams.push(await teamOnNode(node, owner));
    const everywhere = await insertUser(b);
    const onlyFirst = await insertUser(b);
    const members: TestUser[] = [];
    for (const team of teams) {
      members.push(await addMember(a, team, 'MEMBER', await insertUser(b)));
      await addMember(a, team, 'MEMBER', everywhere);
    }
    await addMember(a, teams[0], 'MEMBER', onlyFirst);

    const onA: Feed[] = [];
    const onB: Feed[] = [];
    for (const [i, team] of teams.entries()) {
      onA.push(subscribe(await open(a, team.owner.token), TEAM_ACTIVITY, { teamId: team.id }));
      onB.push(subscribe(await open(b, members[i].token), TEAM_ACTIVITY, { teamId: team.id }));
    }
    const allOfThem = subscribe(await open(a, everywhere.token), MY_ACTIVITY);
    const firstOnly = subscribe(await open(b, onlyFirst.token), MY_ACTIVITY);
    await untilRunning(a, NODES + 1);
    await untilRunning(b, NODES + 1);
    // Each instance holds one shard channel per team, each on the node of that team's slot.
    for (const app of [a, b]) expect(await teamChannelsHeld(app)).toBe(NODES);
    for (const team of teams) expect(await nodes().shardSubscribers(teamChannel(team.id))).toBe(2);
    const channels = await nodes().shardChannels();
    teams.forEach((team, node) => {
      channels.forEach((held, index) =>
        expect(held.includes(teamChannel(team.id))).toBe(index === node),
      );
    });

    const publishedBefore = await nodes().shardPublishes();
    // The first team last: by the time `firstOnly` has its two events, the other teams' have
    // reached everyone else, so one of theirs sent to `firstOnly` would show.
    for (const team of [...teams].reverse()) {
      await ok(a, RENAME, { teamId: team.id, name: 'From A' }, team.owner.token);
      await ok(b, RENAME, { teamId: team.id, name: 'From B' }, team.owner.token);
    }
    for (const feed of [...onA, ...onB]) await feed.untilCount(2);
    await allOfThem.untilCount(2 * NODES);
    await firstOnly.untilCount(2);
    for (const feed of onA) expect(seqs(feed, 'teamActivity')).toEqual([2, 3]);
    for (const feed of onB) expect(seqs(feed, 'teamActivity')).toEqual([2, 3]);
    const byTeam = (feed: Feed) => {
      const found = new Map<string, number[]>();
      for (const item of feed.values<{ seq: number; team: { id: string } }>('myActivity'))
        found.set(item.team.id, [...(found.get(item.team.id) ?? []), item.seq]);
      return found;
    };
    expect(byTeam(allOfThem)).toEqual(new Map(teams.map((team) => [team.id, [2, 3]])));
    expect(byTeam(firstOnly)).toEqual(new Map([[teams[0].id, [2, 3]]]));

    // One SPUBLISH per event, on the node of the team's channel: every node carried its own
    // team's two events, and nothing else.
    const publishedAfter = await nodes().shardPublishes();
    expect(publishedAfter.map((count, node) => count - publishedBefore[node])).toEqual(
      teams.map(() => 2),
    );
  }, 60_000);

  it('holds a team’s shard channel only on instances with a subscriber of that team', async () => {
    const team = await buildTeam(a, await insertUser(a));
    const member = await addMember(a, team, 'MEMBER', await insertUser(b));
    const channel = teamChannel(team.id);
    const holders = () => nodes().shardSubscribers(channel);

    const ownerOnA = await open(a, team.owner.token);
    subscribe(ownerOnA, TEAM_ACTIVITY, { teamId: team.id });
    await untilRunning(a, 1);
    expect(await holders()).toBe(1);
    expect(await teamChannelsHeld(a)).toBe(1);
    expect(await teamChannelsHeld(b)).toBe(0);

    const memberOnB = await open(b, member.token);
    subscribe(memberOnB, TEAM_ACTIVITY, { teamId: team.id });
    await untilRunning(b, 1);
    expect(await holders()).toBe(2);
    expect(await teamChannelsHeld(b)).toBe(1);

    // B's only subscriber of the team leaves: B lets go of the channel, A keeps it.
    await memberOnB.dispose();
    await untilEqual(holders, 1, 'subscribers of the team channel after B let go');
    expect(await teamChannelsHeld(b)).toBe(0);
    expect(await teamChannelsHeld(a)).toBe(1);
    await ownerOnA.dispose();
    await untilEqual(holders, 0, 'subscribers of the team channel after A let go');
    expect(await teamChannelsHeld(a)).toBe(0);
  });

  it('a removal on one instance ends the stream on the other, a log-out closes the socket there', async () => {
    const team = await buildTeam(a, await insertUser(a));
    const member = await addMember(a, team, 'MEMBER', await insertUser(b));
    const leaver = await insertUser(a);
    const memberOnB = subscribe(await open(b, member.token), TEAM_ACTIVITY, { teamId: team.id });
    const ownerOnB = subscribe(await open(b, team.owner.token), TEAM_ACTIVITY, {
      teamId: team.id,
    });
    const leaverOnB = await open(b, leaver.token);
    await untilRunning(b, 2);

    const removed = Date.now();
    await ok(a, REMOVE, { teamId: team.id, userId: member.id }, team.owner.token);
    await memberOnB.untilComplete(WITHIN_MS + 500);
    expect(Date.now() - removed).toBeLessThan(WITHIN_MS);
    expect(endCode(memberOnB)).toBe('ACCESS_REVOKED');
    await ownerOnB.untilCount(1);
    expect(ownerOnB.completed).toBe(false);

    const loggedOut = Date.now();
    await ok(a, `mutation { logOut }`, {}, leaver.token);
    const closed = await withTimeout(leaverOnB.closed, WITHIN_MS + 500, 'socket close on B');
    expect(Date.now() - loggedOut).toBeLessThan(WITHIN_MS);
    expect(closed.code).toBe(4403);
  });

  it('revocations made while a node was away land on the other instance once it is back', async () => {
    // The team's channel and the leaver's own channel both live on the node that goes away.
    const away = 1;
    const team = await teamOnNode(away);
    const removed = await addMember(a, team, 'MEMBER', await insertUser(b));
    const bystander = await addMember(a, team, 'MEMBER', await insertUser(b));
    const leaver = await userOnNode(away);
    const removedOnB = subscribe(await open(b, removed.token), TEAM_ACTIVITY, {
      teamId: team.id,
    });
    const bystanderOnB = subscribe(await open(b, bystander.token), TEAM_ACTIVITY, {
      teamId: team.id,
    });
    const leaverOnB = await open(b, leaver.token);
    await untilRunning(b, 2);

    const logsBefore = serversOf().servers[0].logs.length;
    /** Whether A logged that Redis did not take its event of this kind (since the outage). */
    const notPublished = (kind: string) =>
      serversOf()
        .servers[0].logs.slice(logsBefore)
        .some((line) => line.includes(NOT_PUBLISHED) && line.includes(`"kind":"${kind}"`));
    await nodes().nodes[away].stop();
    // A revokes while the node is away; both events fail to reach it (A gave up on them), so
    // B can only learn of them by re-checking when the node is back.
    await ok(a, REMOVE, { teamId: team.id, userId: removed.id }, team.owner.token);
    await ok(a, `mutation { logOut }`, {}, leaver.token);
    const revocations = ['access-revoked', 'sessions-revoked'];
    await untilEqual(
      () => Promise.resolve(revocations.map(notPublished)),
      [true, true],
      `A giving up on publishing ${revocations.join(' and ')}`,
    );
    expect(removedOnB.completed).toBe(false);
    expect(leaverOnB.isClosed()).toBe(false);
    // A cluster missing the master of some slots is not ready.
    await untilEqual(() => redisReadiness(a), 'down', 'readiness with a node away');

    await nodes().nodes[away].start();
    const back = Date.now();
    const closed = await withTimeout(leaverOnB.closed, WITHIN_MS + 500, 'the socket on B to close');
    expect(closed.code).toBe(4403);
    await removedOnB.untilComplete(WITHIN_MS + 500);
    expect(endCode(removedOnB)).toBe('ACCESS_REVOKED');
    const landedMs = Date.now() - back;
    console.log(`live-redis-cluster: revocations landed ${landedMs} ms after the node was back`);
    expect(landedMs).toBeLessThan(WITHIN_MS);

    // The bystander's stream carries on through the node once the cluster is whole again.
    await nodes().untilHealthy();
    await untilEqual(() => redisReadiness(a), 'ok', 'readiness once the node is back');
    await ok(a, RENAME, { teamId: team.id, name: 'After the outage' }, team.owner.token);
    // The removal missed while the node was away is filled in from the table, in order.
    await bystanderOnB.untilCount(2, 5_000);
    expect(seqs(bystanderOnB, 'teamActivity')).toEqual([2, 3]);
    expect(bystanderOnB.completed).toBe(false);
  }, 60_000);
});

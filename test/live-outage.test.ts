import { addMember, buildTeam } from './factories/team.factory';
import { buildUser } from './factories/user.factory';
import { subscriptionsRunning } from './support/live-gauges';
import { freePort, PrivateRedis, redisServerMissing } from './support/redis-server';
import type { TestApp } from './support/test-app';
import { TwoInstances } from './support/two-instances';
import { TEAM_ACTIVITY, endCode, subscribe, withTimeout } from './support/ws-client';

/**
 * Revocation must not depend on the bus. Two real server processes share a database and a
 * redis-server this suite starts and stops itself:
 * - while Redis is down, a log-out and a removal on instance A end A's own sockets and
 *   streams at once (A dispatches its own events without Redis);
 * - when Redis returns, instance B — which never heard of either — re-checks every open
 *   socket's session and every feed's membership at once, within a second.
 */
const RENAME = `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`;
const WITHIN_MS = 1_000;

const missing = redisServerMissing();
if (missing) console.log(`live-outage: skipped: ${missing}`);
const maybe = missing ? describe.skip : describe;

maybe('revocation during a Redis outage, on two instances', () => {
  let redis: PrivateRedis;
  let instances: TwoInstances | undefined;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    instances = await TwoInstances.start({ REDIS_URL: redis.url });
    ({ a, b } = instances);
  }, 90_000);

  afterAll(async () => {
    await instances?.stop();
    await redis?.stop();
  });

  const open = (app: TestApp, token: string) => {
    if (!instances) throw new Error('the instances did not start');
    return instances.open(app, token);
  };

  it('ends sockets and streams on the instance that revoked at once, and everywhere within 1 s of recovery', async () => {
    const team = await buildTeam(a);
    const owner = team.owner;
    const leaver = await addMember(a, team, 'MEMBER', await buildUser(a));
    const removed = await addMember(a, team, 'MEMBER', await buildUser(a));
    const bystander = await addMember(a, team, 'MEMBER', await buildUser(a));

    const leaverOnA = await open(a, leaver.token);
    const leaverOnB = await open(b, leaver.token);
    const removedOnA = subscribe(await open(a, removed.token), TEAM_ACTIVITY, { teamId: team.id });
    const removedOnB = subscribe(await open(b, removed.token), TEAM_ACTIVITY, { teamId: team.id });
    const bystanderOnB = subscribe(await open(b, bystander.token), TEAM_ACTIVITY, {
      teamId: team.id,
    });
    // Each subscription runs on its server before the first row commits: a feed that starts
    // after a row committed never gets it.
    await Promise.all([
      subscriptionsRunning(1, { url: a.url }),
      subscriptionsRunning(2, { url: b.url }),
    ]);
    // Every stream is live (and B hears A through Redis) before Redis goes away.
    let renames = 0;
    const rename = async () => {
      renames += 1;
      const response = await a.gql(RENAME, { teamId: team.id, name: `n${renames}` }, owner.token);
      expect(response.errors).toBeUndefined();
    };
    await rename();
    await Promise.all([removedOnA, removedOnB, bystanderOnB].map((feed) => feed.untilCount(1)));

    await redis.stop();

    // Log-out on A: A closes its own socket of that session without the bus.
    const logOutStarted = Date.now();
    const logOut = a.gql(`mutation { logOut }`, {}, leaver.token);
    const closedOnA = await withTimeout(leaverOnA.closed, WITHIN_MS, 'the socket on A to close');
    expect(closedOnA.code).toBe(4403);
    expect(Date.now() - logOutStarted).toBeLessThan(WITHIN_MS);
    expect((await logOut).errors).toBeUndefined();

    // Removal on A: the stream on A ends with ACCESS_REVOKED without the bus.
    const removal = a.gql(
      `mutation ($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) }`,
      { teamId: team.id, userId: removed.id },
      owner.token,
    );
    await removedOnA.untilComplete(WITHIN_MS);
    expect(endCode(removedOnA)).toBe('ACCESS_REVOKED');
    expect((await removal).errors).toBeUndefined();
    // B never heard of either: nothing reached it while Redis was down.
    expect(leaverOnB.isClosed()).toBe(false);
    expect(removedOnB.completed).toBe(false);

    await redis.start();
    const recovered = Date.now();
    const closedOnB = await withTimeout(leaverOnB.closed, WITHIN_MS, 'the socket on B to close');
    expect(closedOnB.code).toBe(4403);
    await removedOnB.untilComplete(WITHIN_MS);
    expect(endCode(removedOnB)).toBe('ACCESS_REVOKED');
    expect(Date.now() - recovered).toBeLessThan(WITHIN_MS);
    // Access is judged at commit: B reads what it missed, the removal included, then ends.
    for (const feed of [removedOnA, removedOnB]) {
      expect(feed.values<{ action: string }>('teamActivity').map((a) => a.action)).toEqual([
        'TEAM_RENAMED',
        'MEMBER_REMOVED',
      ]);
    }

    // The bystander's stream on B carries on once the bus is back.
    await rename();
    await bystanderOnB.until(
      (feed) => feed.values<{ summary: string }>('teamActivity').some((a) => /n2/.test(a.summary)),
      5_000,
      'the rename after recovery',
    );
    expect(bystanderOnB.completed).toBe(false);
  }, 60_000);

  it('a team deleted while the bus is away: feeds elsewhere end at recovery after the rows they had', async () => {
    // The sockets of the test before close first, so B runs this feed alone.
    await instances?.closeSockets();
    const team = await buildTeam(a);
    const member = await addMember(a, team, 'MEMBER', await buildUser(a));
    const onB = subscribe(await open(b, member.token), TEAM_ACTIVITY, { teamId: team.id });
    await subscriptionsRunning(1, { url: b.url });
    const rename = await a.gql(RENAME, { teamId: team.id, name: 'before' }, team.owner.token);
    expect(rename.errors).toBeUndefined();
    await onB.untilCount(1);

    await redis.stop();
    const deletion = await a.gql(
      `mutation ($teamId: ID!) { deleteTeam(teamId: $teamId) }`,
      { teamId: team.id },
      team.owner.token,
    );
    expect(deletion.errors).toBeUndefined();
    expect(onB.completed).toBe(false);

    // The deletion's row is gone with the team and its event with the outage: the feed ends
    // where its rows end, never skipping to rows it cannot prove it was owed.
    await redis.start();
    await onB.untilComplete(WITHIN_MS);
    expect(endCode(onB)).toBe('ACCESS_REVOKED');
    expect(onB.values<{ seq: number }>('teamActivity').map((row) => row.seq)).toEqual([2]);
  }, 60_000);
});

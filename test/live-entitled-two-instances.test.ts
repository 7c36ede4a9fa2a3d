import fc from 'fast-check';
import { addMember, buildTeam } from './factories/team.factory';
import { STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import { subscriptionsRunning } from './support/live-gauges';
import { describeWithRedis, requiredRedisUrl } from './support/redis-available';
import type { TestApp } from './support/test-app';
import { TwoInstances } from './support/two-instances';
import {
  MY_ACTIVITY,
  TEAM_ACTIVITY,
  endCode,
  subscribe,
  withTimeout,
  type Feed,
} from './support/ws-client';

/**
 * Access is judged at each row's commit, on every instance (API.md, "Activity"). Two server
 * processes share PostgreSQL and Redis; members follow the team on both. Owner writes go to
 * either instance, and the access of a member — or of everyone — ends right behind them, sent
 * while writes are still in flight. Every subscriber then has every row committed while it was
 * entitled (the acknowledged writes), in order, no gap, no duplicate, no error; the row that
 * ended its access; then ACCESS_REVOKED (teamActivity) or nothing more of the team (myActivity).
 */
const CREATE_ITEM = `mutation ($t: ID!, $title: String!) { createItem(teamId: $t, input: { title: $title }) { id } }`;
const RENAME = `mutation ($t: ID!, $name: String!) { renameTeam(teamId: $t, name: $name) { id } }`;
const WAIT_MS = 20_000;

type Ending = 'deleteTeam' | 'removeMember' | 'leaveTeam' | 'deleteAccount';
/** A row as the activity table holds it. */
interface Logged {
  seq: number;
  action: string;
  subjectId: string;
}
/** A row as a feed delivers it. */
type Row = Logged & { team: { id: string } };

describeWithRedis('live-entitled-two-instances', 'entitlement at commit on two instances', () => {
  let instances: TwoInstances | undefined;
  let apps: [TestApp, TestApp];

  beforeAll(async () => {
    instances = await TwoInstances.start({ REDIS_URL: requiredRedisUrl() });
    apps = [instances.a, instances.b];
  }, 90_000);

  afterAll(async () => {
    await instances?.stop();
  });

  const open = (app: TestApp, token: string) => {
    if (!instances) throw new Error('the instances did not start');
    return instances.open(app, token);
  };

  /** Each subscriber's feeds: teamActivity on both instances, myActivity on one. */
  async function follow(teamId: string, user: TestUser, mineOn: 0 | 1) {
    const [onA, onB] = await Promise.all(apps.map((app) => open(app, user.token)));
    return {
      user,
      team: [onA, onB].map((socket) => subscribe(socket, TEAM_ACTIVITY, { teamId })),
      mine: subscribe([onA, onB][mineOn], MY_ACTIVITY),
    };
  }

  const rowsOf = (feed: Feed, field: string, teamId: string) =>
    feed.values<Row>(field).filter((row) => row.team.id === teamId);

  /** Nothing but rows, then (at most) the end: no other error reached the subscriber. */
  function expectNoErrors(feed: Feed) {
    const errors = feed.results.filter((result) => result.errors);
    expect(errors.length).toBeLessThanOrEqual(1);
    if (errors.length) {
      expect(feed.results.at(-1)).toBe(errors[0]);
      expect(endCode(feed)).toBe('ACCESS_REVOKED');
    }
  }

  it('every subscriber gets every row it was owed, the ending row, then the end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<0 | 1>(0, 1), { minLength: 1, maxLength: 8 }),
        fc.nat({ max: 8 }),
        fc.constantFrom<Ending>('deleteTeam', 'removeMember', 'leaveTeam', 'deleteAccount'),
        fc.constantFrom<0 | 1>(0, 1),
        async (writesOn, sentBefore, ending, endingOn) => {
          // A run that failed (while shrinking) left its sockets open: they close first.
          await instances?.closeSockets();
          const team = await buildTeam(apps[0]);
          const leaving = await addMember(apps[0], team, 'MEMBER');
          const staying = await addMember(apps[0], team, 'MEMBER');
          const subscribers = await Promise.all([
            follow(team.id, team.owner, 0),
            follow(team.id, leaving, 1),
            follow(team.id, staying, 0),
          ]);
          const feeds = subscribers.flatMap((s) => [...s.team, s.mine]);
          // Every subscription runs on its server (a team feed each on A and B, and myActivity
          // for the owner and `staying` on A, for `leaving` on B) before the warm-up commits:
          // a feed that starts after a row committed never gets it.
          await Promise.all([
            subscriptionsRunning(5, { url: apps[0].url }),
            subscriptionsRunning(4, { url: apps[1].url }),
          ]);
          // Every feed is live on both instances (B hears A through Redis) before the race.
          const warmUp = await apps[0].gql(RENAME, { t: team.id, name: 'warm' }, team.owner.token);
          expect(warmUp.errors).toBeUndefined();
          const start = 2;
          await Promise.all(feeds.map((feed) => feed.untilCount(1, WAIT_MS)));

          const writes: Promise<{ id: string } | null>[] = [];
          let ended: Promise<unknown> | null = null;
          const endAccess = () => {
            const app = apps[endingOn];
            if (ending === 'deleteAccount') {
              return app.gql(
                `mutation ($p: String!) { deleteAccount(password: $p) }`,
                { p: STRONG_PASSWORD },
                leaving.token,
              );
            }
            if (ending === 'deleteTeam') {
              return app.gql(
                `mutation ($t: ID!) { deleteTeam(teamId: $t) }`,
                { t: team.id },
                team.owner.token,
              );
            }
            if (ending === 'leaveTeam') {
              return app.gql(
                `mutation ($t: ID!) { leaveTeam(teamId: $t) }`,
                { t: team.id },
                leaving.token,
              );
            }
            return app.gql(
              `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
              { t: team.id, u: leaving.id },
              team.owner.token,
            );
          };
          writesOn.forEach((on, i) => {
            if (i === sentBefore) ended = endAccess();
            writes.push(
              apps[on]
                .gql<{ createItem: { id: string } }>(
                  CREATE_ITEM,
                  { t: team.id, title: `w${i}` },
                  team.owner.token,
                )
                .then((response) => response.data?.createItem ?? null),
            );
          });
          ended ??= endAccess();
          const endResponse = (await ended) as { errors?: unknown };
          expect(endResponse.errors).toBeUndefined();
          const acknowledged = (await Promise.all(writes)).filter((item) => item !== null);
          const acknowledgedIds = acknowledged.map((item) => item?.id).sort();

          // The committed log: from the table while the team stands; after its deletion, the
          // acknowledged writes (nothing else could commit) and the deletion itself.
          const stored: Logged[] | null =
            ending === 'deleteTeam'
              ? null
              : (
                  await apps[0].sql(
                    `SELECT seq, action, subject_id AS "subjectId" FROM activities
                      WHERE team_id = $1 AND seq >= $2 ORDER BY seq`,
                    [team.id, start],
                  )
                ).map((row) => ({
                  seq: Number(row.seq),
                  action: String(row.action),
                  subjectId: String(row.subjectId),
                }));
          const last =
            stored === null
              ? start + acknowledged.length + 1
              : Math.max(...stored.map((row) => row.seq));
          const endSeq =
            stored === null
              ? last
              : stored.find(
                  (row) =>
                    (row.action === 'MEMBER_REMOVED' || row.action === 'MEMBER_LEFT') &&
                    row.subjectId === leaving.id,
                )?.seq;
          expect(endSeq).toBeDefined();

          for (const { user, team: teamFeeds, mine } of subscribers) {
            const loses = ending === 'deleteTeam' || user === leaving;
            const owedThrough = loses ? (endSeq as number) : last;
            const loggedOut = ending === 'deleteAccount' && user === leaving;
            for (const feed of teamFeeds) {
              if (loggedOut) {
                // The account's sessions end with it: the socket closes at once (4403).
                await withTimeout(
                  feed.untilComplete(WAIT_MS),
                  WAIT_MS,
                  'the deleted account’s feed to end',
                );
              } else if (loses) await feed.untilComplete(WAIT_MS);
              else {
                await feed.until(
                  (f) => rowsOf(f, 'teamActivity', team.id).some((row) => row.seq >= owedThrough),
                  WAIT_MS,
                  'the last row',
                );
              }
              expectNoErrors(feed);
              const seqs = rowsOf(feed, 'teamActivity', team.id).map((row) => row.seq);
              if (loggedOut) {
                // Whatever it got before its socket closed: a gapless prefix.
                expect(seqs).toEqual(seqs.map((_, i) => start + i));
                continue;
              }
              expect(seqs).toEqual(
                Array.from({ length: owedThrough - start + 1 }, (_, i) => start + i),
              );
              if (loses) expect(endCode(feed)).toBe('ACCESS_REVOKED');
              else expect(feed.completed).toBe(false);
            }
            if (loggedOut) continue;
            await mine.until(
              (f) => rowsOf(f, 'myActivity', team.id).some((row) => row.seq >= owedThrough),
              WAIT_MS,
              'the last row on myActivity',
            );
            expectNoErrors(mine);
            const rows = rowsOf(mine, 'myActivity', team.id);
            expect(rows.map((row) => row.seq)).toEqual(
              Array.from({ length: owedThrough - start + 1 }, (_, i) => start + i),
            );
            const created = rows.filter((row) => row.action === 'ITEM_CREATED');
            if (!loses || ending === 'deleteTeam') {
              expect(created.map((row) => row.subjectId).sort()).toEqual(acknowledgedIds);
            }
            if (loses) {
              expect(rows.at(-1)).toMatchObject(
                ending === 'deleteTeam'
                  ? { action: 'TEAM_DELETED' }
                  : {
                      action: ending === 'removeMember' ? 'MEMBER_REMOVED' : 'MEMBER_LEFT',
                      subjectId: leaving.id,
                    },
              );
            }
            if (stored) {
              expect(
                rows.map(({ seq, action, subjectId }) => ({ seq, action, subjectId })),
              ).toEqual(
                stored
                  .filter((row) => row.seq <= owedThrough)
                  .map((row) => ({
                    seq: row.seq,
                    action: row.action,
                    subjectId: row.subjectId,
                  })),
              );
            }
            expect(mine.completed).toBe(false);
          }
          await instances?.closeSockets();
        },
      ),
      { numRuns: fuzzRuns(6), ...fuzzSeed() },
    );
  }, 240_000);
});

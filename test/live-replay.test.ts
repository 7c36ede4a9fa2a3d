import type { DomainEvent } from '../src/events/domain-events';
import { addMember, buildTeam } from './factories/team.factory';
import { subscriptionsRunning } from './support/live-gauges';
import { useLiveApp } from './support/live-suite';
import type { TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';
import { TEAM_ACTIVITY, endCode, subscribe, type Feed } from './support/ws-client';

const RENAME = `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`;

const seqsOf = (feed: Feed) => feed.values<{ seq: number }>('teamActivity').map((a) => a.seq);
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
// Two tests commit over a hundred renames: about 12 s alone, over 30 s on a busy machine.
jest.setTimeout(120_000);

/** Waits for `seq`: the sentinel after which a repeat or a gap would already show. */
const untilSeq = (feed: Feed, seq: number, timeoutMs?: number) =>
  feed.untilValue<{ seq: number }>('teamActivity', (a) => a.seq === seq, `seq ${seq}`, timeoutMs);

describe('live feeds: replay then live, without gap or duplicate', () => {
  const suite = useLiveApp();
  const open = (token: string | null) => suite.open(token);
  let app: TestApp;
  beforeAll(() => {
    app = suite.app;
  });

  async function headSeq(teamId: string): Promise<number> {
    const [row] = await app.sql<{ last_seq: number }>('SELECT last_seq FROM teams WHERE id = $1', [
      teamId,
    ]);
    return row.last_seq;
  }

  /** Renames committed so far by `renames`, to pace subscribers against a burst. */
  let committed = 0;

  /** `count` renames, `parallel` at a time (they serialise on the team row, as in production). */
  async function renames(
    teamId: string,
    token: string,
    count: number,
    label: string,
    parallel = 1,
  ) {
    for (let i = 0; i < count; i += parallel) {
      await Promise.all(
        range(i, Math.min(count, i + parallel) - 1).map(async (n) => {
          const response = await app.gql(RENAME, { teamId, name: `${label} ${n}` }, token);
          if (response.errors) throw new Error(JSON.stringify(response.errors));
          committed += 1;
        }),
      );
    }
  }

  it('afterSeq: 0 replays the whole log in order, in several batches, then goes live', async () => {
    const team = await buildTeam(app);
    await renames(team.id, team.owner.token, 120, 'before', 6);
    const stored = await headSeq(team.id);
    expect(stored).toBe(121);
    const feed = subscribe(await open(team.owner.token), TEAM_ACTIVITY, {
      teamId: team.id,
      afterSeq: 0,
    });
    await feed.untilCount(stored, 15_000);
    // Three live events; the last is the sentinel.
    await renames(team.id, team.owner.token, 3, 'after');
    await untilSeq(feed, stored + 3);
    expect(seqsOf(feed)).toEqual(range(1, stored + 3));
  });

  it('replays only after afterSeq; without afterSeq it is live from now on', async () => {
    const team = await buildTeam(app);
    await renames(team.id, team.owner.token, 9, 'before');
    const replaying = subscribe(await open(team.owner.token), TEAM_ACTIVITY, {
      teamId: team.id,
      afterSeq: 7,
    });
    const liveOnly = subscribe(await open(team.owner.token), TEAM_ACTIVITY, { teamId: team.id });
    // Ahead of the log (at 10) by two.
    const ahead = subscribe(await open(team.owner.token), TEAM_ACTIVITY, {
      teamId: team.id,
      afterSeq: 12,
    });
    await subscriptionsRunning(3);
    await replaying.untilCount(3);
    await renames(team.id, team.owner.token, 2, 'after');
    // The sentinel, seq 13: the first the client claiming to be ahead is entitled to.
    await renames(team.id, team.owner.token, 1, 'sentinel');
    for (const feed of [replaying, liveOnly, ahead]) await untilSeq(feed, 13);
    expect(seqsOf(replaying)).toEqual([8, 9, 10, 11, 12, 13]);
    expect(seqsOf(liveOnly)).toEqual([11, 12, 13]);
    // A client claiming to be ahead of the log gets nothing until the log passes it.
    expect(seqsOf(ahead)).toEqual([13]);
  });

  it('negative afterSeq is BAD_USER_INPUT', async () => {
    const team = await buildTeam(app);
    const feed = subscribe(await open(team.owner.token), TEAM_ACTIVITY, {
      teamId: team.id,
      afterSeq: -1,
    });
    await feed.untilComplete();
    expect(endCode(feed)).toBe('BAD_USER_INPUT');
  });

  it('subscribers joining during a burst of concurrent commits each get every seq exactly once', async () => {
    const team = await buildTeam(app);
    const writers = await Promise.all([1, 2, 3].map(() => addMember(app, team, 'ADMIN')));
    await renames(team.id, team.owner.token, 40, 'seed');
    const feeds: { feed: Feed; from: number }[] = [];
    // Three writers commit concurrently (they serialise on the team row, as in production)…
    const writing = Promise.all(
      writers.map((writer, index) => renames(team.id, writer.token, 40, `writer ${index}`)),
    );
    let written = false;
    const over = () => (written = true);
    void writing.then(over, over);
    // …while subscribers arrive with different starting points, mid-burst: a few commits
    // apart (or once the burst is over).
    for (let i = 0; i < 6; i += 1) {
      const from = i % 2 === 0 ? Math.max(0, (await headSeq(team.id)) - 30) : i * 5;
      feeds.push({
        feed: subscribe(await open(team.owner.token), TEAM_ACTIVITY, {
          teamId: team.id,
          afterSeq: from,
        }),
        from,
      });
      const mark = committed;
      await waitUntil(() => committed >= mark + 3 || written, 'three more commits');
    }
    await writing;
    // The sentinel comes after the burst.
    await renames(team.id, team.owner.token, 1, 'sentinel');
    const last = await headSeq(team.id);
    expect(last).toBe(1 + 40 + 120 + 1);
    for (const { feed } of feeds) await untilSeq(feed, last, 15_000);
    for (const { feed, from } of feeds) {
      expect(feed.results.every((r) => !r.errors)).toBe(true);
      expect(seqsOf(feed)).toEqual(range(from + 1, last));
    }
  });

  it('fills a gap from the table when a live event never arrives, and drops repeats', async () => {
    const team = await buildTeam(app);
    const feed = subscribe(await open(team.owner.token), TEAM_ACTIVITY, { teamId: team.id });
    await subscriptionsRunning(1);
    const bus = app.app.services.bus;
    const publish = bus.publish.bind(bus);
    const seen: DomainEvent[] = [];
    let dropped = 0;
    // A lost message (e.g. a broker hiccup): the first activity event is never delivered.
    bus.publish = async (events: DomainEvent[]) => {
      seen.push(...events);
      const kept = events.filter((e) => !(e.kind === 'activity' && dropped++ === 0));
      await publish(kept);
    };
    try {
      await renames(team.id, team.owner.token, 2, 'lossy');
    } finally {
      bus.publish = publish;
    }
    await feed.untilCount(2);
    // Repeats (e.g. a message delivered twice) are dropped.
    await publish(seen.filter((e) => e.kind === 'activity'));
    // The sentinel, published after the repeats on the same channel.
    await renames(team.id, team.owner.token, 1, 'after');
    await untilSeq(feed, 4);
    expect(seqsOf(feed)).toEqual([2, 3, 4]);
  });
});

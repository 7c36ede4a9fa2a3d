import fc from 'fast-check';
import type { Activity } from '../entities/activity.entity';
import { liveSubscriber } from '../resolvers/live-subscriber';
import { teamChannel, type DomainEvent } from '../src/events/domain-events';
import { InMemoryEventBus } from '../src/events/in-memory-event-bus';
import { AudienceHub } from '../src/live/audience-hub';
import { AccessLost } from '../src/live/feed-checked';
import { LiveActivityFeed, type FeedItem } from '../src/live/live-activity-feed';
import { createContext } from '../src/server/create-context';
import { addMember, buildTeam } from './factories/team.factory';
import { STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import { declaredVariables } from './support/declared-variables';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Access is judged at each row's commit (API.md, "Activity"): a feed owes its subscriber every
 * row up to the one ending the access, then that row, then the end — whatever the membership
 * or the team has become by delivery. Here the team's events reach a feed in every order
 * fast-check's scheduler picks (as events of several instances can arrive), after the
 * deletion or removal already committed, so the table can no longer fill what is missing.
 */
const CREATE_ITEM = `mutation ($t: ID!, $title: String!) { createItem(teamId: $t, input: { title: $title }) { id } }`;
const ENDINGS = {
  deleteTeam: `mutation ($t: ID!) { deleteTeam(teamId: $t) }`,
  removeMember: `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
  leaveTeam: `mutation ($t: ID!) { leaveTeam(teamId: $t) }`,
} as const;
type Ending = keyof typeof ENDINGS | 'deleteAccount';

describe('live feeds: access judged at each row’s commit', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.stop();
  });

  /** A feed of `viewer` on `teamId` that hears only what the test hands its own bus. */
  async function feedOf(
    viewer: TestUser,
    teamId: string,
    mode: 'end' | 'drop',
    lostRowsWaitMs?: number,
  ) {
    const bus = new InMemoryEventBus();
    // Its own audience hub too: the app's listens on the app's bus.
    const own = { ...app.app.services, bus };
    const services = { ...own, audienceHub: new AudienceHub(own) };
    const context = await createContext(app.app.services, {
      authorization: `Bearer ${viewer.token}`,
      ip: '127.0.0.1',
      userAgent: null,
    });
    const feed = new LiveActivityFeed({
      services,
      subscriber: liveSubscriber(context),
      onAccessLost: mode,
      followJoins: false,
      lostRowsWaitMs,
    });
    const [{ last_seq: lastSeq }] = await app.sql<{ last_seq: number }>(
      `SELECT last_seq FROM teams WHERE id = $1`,
      [teamId],
    );
    await feed.follow(teamId, lastSeq, false);
    feed.startAt(teamId, lastSeq, false);
    return { feed, bus, lastSeq };
  }

  /** What the feed hands out until it ends (`end`) or has nothing more for a while (`drop`). */
  async function drain(feed: LiveActivityFeed, stopAfter: (items: FeedItem[]) => boolean) {
    const items: FeedItem[] = [];
    while (!stopAfter(items)) {
      const { value, done } = await feed.next();
      if (done) break;
      items.push(value);
    }
    return items;
  }

  /** Runs `ending` right behind `writes` item creations; returns every event, in publish order. */
  async function writesThenEnding(
    team: { id: string; owner: TestUser },
    viewer: TestUser,
    writes: number,
    ending: Ending,
  ): Promise<DomainEvent[]> {
    const events: DomainEvent[] = [];
    const unsubscribe = app.app.services.bus.subscribe(teamChannel(team.id), (event) =>
      events.push(event),
    );
    try {
      const acknowledged = await Promise.all(
        Array.from({ length: writes }, (_, i) =>
          app.gql(CREATE_ITEM, { t: team.id, title: `w${i}` }, team.owner.token),
        ),
      );
      for (const response of acknowledged) expect(response.errors).toBeUndefined();
      const response =
        ending === 'deleteAccount'
          ? await app.gql(
              `mutation ($p: String!) { deleteAccount(password: $p) }`,
              { p: STRONG_PASSWORD },
              viewer.token,
            )
          : await app.gql(
              ENDINGS[ending],
              declaredVariables(ENDINGS[ending], { t: team.id, u: viewer.id }),
              ending === 'leaveTeam' ? viewer.token : team.owner.token,
            );
      expect(response.errors).toBeUndefined();
    } finally {
      unsubscribe();
    }
    return events;
  }

  const seqsOf = (items: FeedItem[]) =>
    items.map((item) => (item instanceof AccessLost ? 'end' : (item as Activity).seq));

  it('delivers every owed row in order, the ending row, then the end, in any arrival order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom<'deleteTeam' | 'removeMember' | 'leaveTeam'>(
          'deleteTeam',
          'removeMember',
          'leaveTeam',
        ),
        fc.constantFrom<'end' | 'drop'>('end', 'drop'),
        async (s, writes, ending, mode) => {
          const team = await buildTeam(app);
          const viewer = await addMember(app, team, 'MEMBER');
          const { feed, bus, lastSeq } = await feedOf(viewer, team.id, mode);
          try {
            const events = await writesThenEnding(team, viewer, writes, ending);
            const rows = events.flatMap((e) => (e.kind === 'activity' ? [e.activity] : []));
            const end = rows.find(
              (row) =>
                row.action === 'TEAM_DELETED' ||
                (row.action !== 'ITEM_CREATED' && row.subjectId === viewer.id),
            );
            expect(end).toBeDefined();
            const owed = rows.map((row) => row.seq).filter((seq) => seq <= (end?.seq ?? 0));
            // Every event reaches the feed's bus once, in the order the scheduler picks.
            for (const event of events) {
              void s.schedule(Promise.resolve(event)).then((e) => bus.publish([e]));
            }
            const reading = drain(feed, (items) =>
              mode === 'end'
                ? false
                : seqsOf(items).at(-1) === end?.seq || items.some((i) => i instanceof AccessLost),
            );
            await s.waitAll();
            const items = await reading;
            const expected = [...owed.sort((x, y) => x - y), ...(mode === 'end' ? ['end'] : [])];
            expect(owed[0]).toBe(lastSeq + 1);
            expect(seqsOf(items)).toEqual(expected);
          } finally {
            await feed.return();
          }
        },
      ),
      { numRuns: fuzzRuns(12), ...fuzzSeed() },
    );
  }, 120_000);

  it('an account deletion: other members get its MEMBER_LEFT rows in any arrival order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 5 }), async (s, writes) => {
        const team = await buildTeam(app);
        const leaving = await addMember(app, team, 'MEMBER');
        const { feed, bus, lastSeq } = await feedOf(team.owner, team.id, 'end');
        try {
          const events = await writesThenEnding(team, leaving, writes, 'deleteAccount');
          const rows = events.flatMap((e) => (e.kind === 'activity' ? [e.activity] : []));
          expect(rows.at(-1)).toMatchObject({ action: 'MEMBER_LEFT', subjectId: leaving.id });
          for (const event of events) {
            void s.schedule(Promise.resolve(event)).then((e) => bus.publish([e]));
          }
          const reading = drain(feed, (items) => items.length === rows.length);
          await s.waitAll();
          const items = await reading;
          expect(seqsOf(items)).toEqual(rows.map((_, i) => lastSeq + 1 + i));
          expect(feed.isClosed).toBe(false);
        } finally {
          await feed.return();
        }
      }),
      { numRuns: fuzzRuns(4), ...fuzzSeed() },
    );
  }, 120_000);

  it('rows of a deleted team that never arrive: the feed ends after the last row it could deliver in order', async () => {
    const team = await buildTeam(app);
    const viewer = await addMember(app, team, 'MEMBER');
    const { feed, bus, lastSeq } = await feedOf(viewer, team.id, 'end', 50);
    try {
      const events = await writesThenEnding(team, viewer, 3, 'deleteTeam');
      const rows = events.filter((e) => e.kind === 'activity');
      // The second write's event is lost on the way; everything else arrives.
      await bus.publish(events.filter((e) => e !== rows[1]));
      const items = await drain(feed, () => false);
      expect(seqsOf(items)).toEqual([lastSeq + 1, 'end']);
    } finally {
      await feed.return();
    }
  });

  it('a revocation ahead of its rows: the rows still come first, from the bus', async () => {
    const team = await buildTeam(app);
    const viewer = await addMember(app, team, 'MEMBER');
    const { feed, bus, lastSeq } = await feedOf(viewer, team.id, 'end');
    try {
      const events = await writesThenEnding(team, viewer, 2, 'deleteTeam');
      const revoked = events.filter((e) => e.kind === 'access-revoked');
      expect(revoked).toEqual([
        { kind: 'access-revoked', teamId: team.id, userId: null, seq: lastSeq + 3 },
      ]);
      await bus.publish(revoked);
      const reading = drain(feed, () => false);
      await bus.publish(events.filter((e) => e.kind === 'activity').reverse());
      expect(seqsOf(await reading)).toEqual([lastSeq + 1, lastSeq + 2, lastSeq + 3, 'end']);
    } finally {
      await feed.return();
    }
  });
});

import { addMember, buildTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { declaredVariables } from './support/declared-variables';
import { CALLERS, type Caller } from './support/authz-matrix';
import { countSubscriptionsRunning, liveIdle } from './support/live-gauges';
import { startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';
import {
  ACCOUNT_EVENTS,
  MY_ACTIVITY,
  TEAM_ACTIVITY,
  connectLive,
  endCode,
  subscribe,
  type Feed,
  type LiveClient,
} from './support/ws-client';

/**
 * docs/THREAT-MODEL.md H16 for subscriptions, which the HTTP matrix cannot run: every subscription ×
 * every kind of caller, over a real socket. What each caller gets:
 * - `delivers`: the subscription starts and carries the event the test then causes;
 * - `silent`: it starts but carries nothing of that event;
 * either way the feed is read up to a sentinel that comes after that event: a further event
 * the caller is entitled to on that subscription, which arrives after anything else would.
 * - an error code: the subscription ends at once with that code;
 * - `socket 4403`: the socket itself is refused (a revoked session cannot even connect).
 */
type Outcome = 'delivers' | 'silent' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'socket 4403';

interface LiveCase {
  subscription: 'teamActivity' | 'myActivity' | 'accountEvents';
  document: string;
  /** Causes one event (as the team's owner) that `delivers` callers must receive. */
  trigger(world: LiveWorld): Promise<void>;
  /**
   * Causes, for each of `callers`, an event they are entitled to on this subscription (the
   * sentinel); resolves with what recognises a sentinel.
   */
  sentinels(world: LiveWorld, callers: Caller[]): Promise<(value: Delivered) => boolean>;
  expect: Record<Caller, Outcome>;
}

interface LiveWorld {
  app: TestApp;
  teamId: string;
  users: Record<Exclude<Caller, 'anonymous'>, TestUser>;
}

type Delivered = Record<string, unknown>;

const RENAME = `mutation ($t: ID!, $name: String!) { renameTeam(teamId: $t, name: $name) { id } }`;

/** A sentinel on myActivity: each caller creates a team of their own. */
async function ownTeams(world: LiveWorld, callers: Caller[]) {
  const ids = new Set<string>();
  for (const caller of callers) {
    if (caller === 'anonymous') continue;
    ids.add((await buildTeam(world.app, world.users[caller], 'Sentinel')).id);
  }
  return (value: Delivered) => ids.has((value.team as { id: string }).id);
}

const cases: LiveCase[] = [
  {
    subscription: 'teamActivity',
    document: TEAM_ACTIVITY,
    trigger: (w) => ok(w, RENAME, { name: 'Matrix' }),
    // The team's next activity, which every member receives.
    async sentinels(w) {
      await ok(w, RENAME, { name: 'Sentinel' });
      const [{ last_seq: seq }] = await w.app.sql<{ last_seq: number }>(
        'SELECT last_seq FROM teams WHERE id = $1',
        [w.teamId],
      );
      return (value) => value.seq === seq;
    },
    expect: {
      anonymous: 'UNAUTHENTICATED',
      revokedSession: 'socket 4403',
      outsider: 'FORBIDDEN',
      removedMember: 'FORBIDDEN',
      MEMBER: 'delivers',
      ADMIN: 'delivers',
      OWNER: 'delivers',
    },
  },
  {
    subscription: 'myActivity',
    document: MY_ACTIVITY,
    trigger: (w) => ok(w, RENAME, { name: 'Matrix' }),
    sentinels: ownTeams,
    expect: {
      anonymous: 'UNAUTHENTICATED',
      revokedSession: 'socket 4403',
      outsider: 'silent',
      removedMember: 'silent',
      MEMBER: 'delivers',
      ADMIN: 'delivers',
      OWNER: 'delivers',
    },
  },
  {
    subscription: 'accountEvents',
    document: ACCOUNT_EVENTS,
    // The owner's own account changes: only the owner hears about it.
    trigger: (w) => ok(w, PROFILE, { name: 'Matrix Owner' }),
    // Each caller's own account changes.
    async sentinels(w, callers) {
      for (const caller of callers) {
        if (caller !== 'anonymous') await ok(w, PROFILE, { name: 'Sentinel' }, w.users[caller]);
      }
      return (value) =>
        (value.details as { displayName?: string } | null)?.displayName === 'Sentinel';
    },
    expect: {
      anonymous: 'UNAUTHENTICATED',
      revokedSession: 'socket 4403',
      outsider: 'silent',
      removedMember: 'silent',
      MEMBER: 'silent',
      ADMIN: 'silent',
      OWNER: 'delivers',
    },
  },
];

const PROFILE = `mutation ($name: String!) { updateProfile(input: { displayName: $name }) { id } }`;

async function ok(
  world: LiveWorld,
  document: string,
  variables: Record<string, unknown>,
  as: TestUser = world.users.OWNER,
): Promise<void> {
  const response = await world.app.gql(
    document,
    declaredVariables(document, { t: world.teamId, ...variables }),
    as.token,
  );
  if (response.errors) throw new Error(JSON.stringify(response.errors));
}

describe('live feeds: authorization matrix', () => {
  let app: TestApp;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await liveIdle();
  });
  afterAll(async () => {
    await app.stop();
  });

  async function buildWorld(): Promise<LiveWorld> {
    const team = await buildTeam(app, undefined, 'Matrix team');
    const admin = await addMember(app, team, 'ADMIN');
    const member = await addMember(app, team, 'MEMBER');
    const outsider = await buildUser(app);
    const removedMember = await addMember(app, team, 'MEMBER');
    const removal = await app.gql(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: removedMember.id },
      team.owner.token,
    );
    if (removal.errors) throw new Error(JSON.stringify(removal.errors));
    const revokedSession = await addMember(app, team, 'MEMBER');
    await app.gql(`mutation { logOut }`, {}, revokedSession.token);
    return {
      app,
      teamId: team.id,
      users: {
        OWNER: team.owner,
        ADMIN: admin,
        MEMBER: member,
        outsider,
        removedMember,
        revokedSession,
      },
    };
  }

  async function start(world: LiveWorld, caller: Caller, document: string) {
    const token = caller === 'anonymous' ? null : world.users[caller].token;
    try {
      const live = await connectLive(app, token);
      clients.push(live);
      return subscribe(live, document, declaredVariables(document, { teamId: world.teamId }));
    } catch (error) {
      return error as { code: number };
    }
  }

  it.each(cases.map((c) => [c.subscription, c] as const))(
    '%s × every caller',
    async (_name, liveCase) => {
      const world = await buildWorld();
      const started = new Map<Caller, Feed | { code: number }>();
      for (const caller of CALLERS)
        started.set(caller, await start(world, caller, liveCase.document));
      const feeds = [...started.values()].filter((f): f is Feed => 'results' in f);
      // Every subscription has either ended or is running, listening, on the server.
      const open = () => feeds.filter((f) => !f.completed).length;
      await waitUntil(
        async () => (await countSubscriptionsRunning()) === open(),
        () => `${open()} subscriptions to run`,
      );
      await liveCase.trigger(world);
      const running = CALLERS.filter((c) => {
        const feed = started.get(c)!;
        return 'results' in feed && !feed.completed;
      });
      const isSentinel = await liveCase.sentinels(world, running);
      const field = liveCase.subscription;
      for (const caller of running) {
        const feed = started.get(caller) as Feed;
        // A feed that never gets its sentinel shows up in the table below.
        await feed.untilValue(field, isSentinel, 'its sentinel').catch(() => undefined);
      }

      const actual = Object.fromEntries(
        CALLERS.map((caller): [Caller, Outcome | string] => {
          const feed = started.get(caller)!;
          if (!('results' in feed)) return [caller, `socket ${feed.code}`];
          if (feed.completed) return [caller, String(endCode(feed))];
          const values = feed.values<Delivered>(field);
          // What arrived before the sentinel, with nothing after it and no errors.
          const before = values.findIndex(isSentinel);
          const clean = before === values.length - 1 && feed.results.length === values.length;
          if (clean && before === 1) return [caller, 'delivers'];
          if (clean && before === 0) return [caller, 'silent'];
          return [caller, JSON.stringify(feed.results)];
        }),
      );
      expect(actual).toEqual(liveCase.expect);
    },
  );
});

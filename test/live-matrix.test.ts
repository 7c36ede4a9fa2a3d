import { addMember, buildTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { CALLERS, type Caller } from './support/authz-matrix';
import { startTestApp, type TestApp } from './support/test-app';
import {
  ACCOUNT_EVENTS,
  MY_ACTIVITY,
  TEAM_ACTIVITY,
  connectLive,
  endCode,
  sleep,
  subscribe,
  type Feed,
  type LiveClient,
} from './support/ws-client';

/**
 * docs/THREAT-MODEL.md H16 for subscriptions, which the HTTP matrix cannot run: every subscription ×
 * every kind of caller, over a real socket. What each caller gets:
 * - `delivers`: the subscription starts and carries the event the test then causes;
 * - `silent`: it starts but carries nothing of that event;
 * - an error code: the subscription ends at once with that code;
 * - `socket 4403`: the socket itself is refused (a revoked session cannot even connect).
 */
type Outcome = 'delivers' | 'silent' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'socket 4403';

interface LiveCase {
  subscription: 'teamActivity' | 'myActivity' | 'accountEvents';
  document: string;
  /** Causes one event (as the team's owner) that `delivers` callers must receive. */
  trigger(world: LiveWorld): Promise<void>;
  expect: Record<Caller, Outcome>;
}

interface LiveWorld {
  app: TestApp;
  teamId: string;
  users: Record<Exclude<Caller, 'anonymous'>, TestUser>;
}

const cases: LiveCase[] = [
  {
    subscription: 'teamActivity',
    document: TEAM_ACTIVITY,
    trigger: (w) => ok(w, `mutation ($t: ID!) { renameTeam(teamId: $t, name: "Matrix") { id } }`),
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
    trigger: (w) => ok(w, `mutation ($t: ID!) { renameTeam(teamId: $t, name: "Matrix") { id } }`),
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
    trigger: (w) =>
      ok(w, `mutation { updateProfile(input: { displayName: "Matrix Owner" }) { id } }`),
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

async function ok(world: LiveWorld, document: string): Promise<void> {
  const response = await world.app.gql(document, { t: world.teamId }, world.users.OWNER.token);
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
      return subscribe(live, document, { teamId: world.teamId });
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
      await sleep(150);
      await liveCase.trigger(world);
      const delivering = CALLERS.filter((c) => liveCase.expect[c] === 'delivers');
      for (const caller of delivering) {
        const feed = started.get(caller);
        if (feed && 'untilCount' in feed) await feed.untilCount(1).catch(() => undefined);
      }
      await sleep(250);

      const actual = Object.fromEntries(
        CALLERS.map((caller): [Caller, Outcome | string] => {
          const feed = started.get(caller)!;
          if (!('results' in feed)) return [caller, `socket ${feed.code}`];
          if (feed.completed) return [caller, String(endCode(feed))];
          const delivered = feed.values(liveCase.subscription).length;
          if (delivered === 1 && feed.results.length === 1) return [caller, 'delivers'];
          return [
            caller,
            delivered === 0 && feed.results.length === 0 ? 'silent' : JSON.stringify(feed.results),
          ];
        }),
      );
      expect(actual).toEqual(liveCase.expect);
    },
  );
});

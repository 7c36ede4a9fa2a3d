import { hashToken } from '../src/auth/token';
import { buildTeamWithRoles } from './factories/team.factory';
import { STRONG_PASSWORD, buildUser } from './factories/user.factory';
import { subscriptionsRunning } from './support/live-gauges';
import { useLiveApp } from './support/live-suite';
import { ownTeamArrived } from './support/sentinels';
import { startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';
import {
  ACCOUNT_EVENTS,
  MY_ACTIVITY,
  TEAM_ACTIVITY,
  connectLive,
  endCode,
  subscribe,
  withTimeout,
  type Feed,
} from './support/ws-client';

const RENAME = `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`;
/** The contract: affected streams end within one second. */
const WITHIN_MS = 1_000;

describe('live feeds: revocation ends the affected streams at once', () => {
  const suite = useLiveApp();
  const open = (token: string | null) => suite.open(token);
  let app: TestApp;
  beforeAll(() => {
    app = suite.app;
  });

  async function mutate(query: string, variables: Record<string, unknown>, token: string) {
    const response = await app.gql(query, variables, token);
    expect(response.errors).toBeUndefined();
    return response;
  }

  /** Runs `action` and returns how long until `feed` completed. */
  async function timeToEnd(feed: Feed, action: () => Promise<unknown>): Promise<number> {
    const started = Date.now();
    await action();
    await feed.untilComplete(WITHIN_MS + 500);
    return Date.now() - started;
  }

  function expectEndedWithAccessRevoked(feed: Feed) {
    expect(feed.completed).toBe(true);
    expect(feed.error).toBeNull();
    const last = feed.results.at(-1);
    expect(last?.data ?? null).toBeNull();
    expect(endCode(feed)).toBe('ACCESS_REVOKED');
  }

  it.each(['removed by the owner', 'removed by an admin', 'leaving'] as const)(
    'membership ends (%s): ACCESS_REVOKED then complete; nothing after; others unaffected',
    async (how) => {
      const { team, owner, admin, member } = await buildTeamWithRoles(app);
      const memberSocket = await open(member.token);
      const memberFeed = subscribe(memberSocket, TEAM_ACTIVITY, { teamId: team.id });
      const memberMine = subscribe(memberSocket, MY_ACTIVITY);
      const adminFeed = subscribe(await open(admin.token), TEAM_ACTIVITY, { teamId: team.id });
      await subscriptionsRunning(3);
      const elapsed = await timeToEnd(memberFeed, () =>
        how === 'leaving'
          ? mutate(`mutation ($t: ID!) { leaveTeam(teamId: $t) }`, { t: team.id }, member.token)
          : mutate(
              `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
              { t: team.id, u: member.id },
              how === 'removed by the owner' ? owner.token : admin.token,
            ),
      );
      expect(elapsed).toBeLessThan(WITHIN_MS);
      expectEndedWithAccessRevoked(memberFeed);
      // Access is judged at commit: the row that ended it is the last one owed, then the end.
      const ending = how === 'leaving' ? 'MEMBER_LEFT' : 'MEMBER_REMOVED';
      expect(memberFeed.results).toHaveLength(2);
      expect(memberFeed.values<{ action: string }>('teamActivity')).toMatchObject([
        { action: ending, subjectId: member.id },
      ]);

      await mutate(RENAME, { teamId: team.id, name: 'After removal' }, owner.token);
      // Sentinels: the next activity of the team for the admin, a team of their own for the
      // one who is gone.
      await mutate(RENAME, { teamId: team.id, name: 'Sentinel' }, owner.token);
      // The team's fourth activity: created, member gone, renamed, renamed.
      await adminFeed.untilValue<{ seq: number }>('teamActivity', (a) => a.seq === 4, 'sentinel');
      const ownTeam = await ownTeamArrived(app, member, memberMine);
      expect(adminFeed.values<{ action: string }>('teamActivity').map((a) => a.action)).toEqual([
        how === 'leaving' ? 'MEMBER_LEFT' : 'MEMBER_REMOVED',
        'TEAM_RENAMED',
        'TEAM_RENAMED',
      ]);
      expect(adminFeed.completed).toBe(false);
      // myActivity follows the removal: it stays open, carries the row that ended the access,
      // and nothing of that team after it.
      expect(memberMine.completed).toBe(false);
      expect(memberMine.results).toHaveLength(2);
      expect(
        memberMine.values<{ action: string; team: { id: string } }>('myActivity'),
      ).toMatchObject([{ action: ending, team: { id: team.id } }, { team: { id: ownTeam.id } }]);
      // Nor did their socket carry a frame of it for the ended operation.
      expect(JSON.stringify(memberSocket.messages)).not.toContain('TEAM_RENAMED');
    },
  );

  it('team deletion: members first receive TEAM_DELETED, then ACCESS_REVOKED, then complete', async () => {
    const { team, owner, admin, member } = await buildTeamWithRoles(app);
    const feeds = await Promise.all(
      [owner, admin, member].map(async (u) =>
        subscribe(await open(u.token), TEAM_ACTIVITY, { teamId: team.id }),
      ),
    );
    const memberMine = subscribe(await open(member.token), MY_ACTIVITY);
    await subscriptionsRunning(4);
    const started = Date.now();
    await mutate(`mutation ($t: ID!) { deleteTeam(teamId: $t) }`, { t: team.id }, owner.token);
    for (const feed of feeds) await feed.untilComplete(WITHIN_MS + 500);
    expect(Date.now() - started).toBeLessThan(WITHIN_MS);
    for (const feed of feeds) {
      expect(feed.results).toHaveLength(2);
      const deleted = feed.results[0].data?.teamActivity as {
        action: string;
        team: { id: string; name: string };
      };
      expect(feed.results[0].errors).toBeUndefined();
      expect(deleted.action).toBe('TEAM_DELETED');
      // The team row is gone; the event still names it (from the snapshot it carries).
      expect(deleted.team).toEqual({ id: team.id, name: team.name });
      expectEndedWithAccessRevoked(feed);
    }
    await memberMine.untilCount(1);
    expect(memberMine.values<{ action: string }>('myActivity')[0].action).toBe('TEAM_DELETED');
    expect(memberMine.completed).toBe(false);
    const [{ n }] = await app.sql<{ n: string }>(
      'SELECT count(*) AS n FROM activities WHERE team_id = $1',
      [team.id],
    );
    expect(Number(n)).toBe(0);
  });

  it('log-out closes that session’s socket with 4403 and ends its streams', async () => {
    const { team, member } = await buildTeamWithRoles(app);
    const listenersBefore = app.app.services.bus.listenerCount();
    const live = await open(member.token);
    const feed = subscribe(live, TEAM_ACTIVITY, { teamId: team.id });
    const account = subscribe(live, ACCOUNT_EVENTS);
    await subscriptionsRunning(2);
    const started = Date.now();
    await mutate(`mutation { logOut }`, {}, member.token);
    const closed = await withTimeout(live.closed, WITHIN_MS + 500, 'socket close');
    expect(Date.now() - started).toBeLessThan(WITHIN_MS);
    expect(closed.code).toBe(4403);
    await feed.untilComplete();
    await account.untilComplete();
    // The server let go of the socket's streams and its session watch.
    await waitUntil(
      () => app.app.services.bus.listenerCount() === listenersBefore,
      'the listeners to be gone',
    );
    // The token is dead for new sockets too.
    await expect(connectLive(app, member.token)).rejects.toMatchObject({ code: 4403 });
  });

  it.each(['read from the database', 'served from the session cache'] as const)(
    'a log-out that lands while a socket is being set up (session %s) still refuses it (4403)',
    async (how) => {
      const user = await buildUser(app);
      if (how === 'served from the session cache') await cacheSession(user.token);
      const { sessions } = app.app.services;
      const resolve = sessions.resolve.bind(sessions);
      // The log-out commits (and its event is published) after the socket's session was read
      // and before the socket listens to the user's channel: only a re-check can see it.
      const spy = jest.spyOn(sessions, 'resolve').mockImplementationOnce(async (token) => {
        const viewer = await resolve(token);
        await mutate(`mutation { logOut }`, {}, user.token);
        return viewer;
      });
      try {
        await expect(connectLive(app, user.token)).rejects.toMatchObject({ code: 4403 });
        expect(spy).toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
    },
  );

  it('revoking one session closes only that session’s socket; the revoker is told', async () => {
    const me = await buildUser(app);
    const phone = await logIn(me.email);
    const laptop = await open(me.token);
    const phoneSocket = await open(phone);
    const laptopEvents = subscribe(laptop, ACCOUNT_EVENTS);
    await subscriptionsRunning(1);
    const [phoneSession] = await app.sql<{ id: string }>(
      'SELECT id FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1',
      [me.id],
    );
    await mutate(
      `mutation ($id: ID!) { revokeSession(id: $id) }`,
      { id: phoneSession.id },
      me.token,
    );
    const closed = await withTimeout(phoneSocket.closed, WITHIN_MS + 500, 'phone socket close');
    expect(closed.code).toBe(4403);
    await laptopEvents.untilCount(1);
    expect(laptopEvents.values<{ type: string }>('accountEvents')[0].type).toBe('SESSION_REVOKED');
    expect(laptop.isClosed()).toBe(false);
  });

  it.each(['changePassword', 'revokeOtherSessions'] as const)(
    '%s closes every other session’s socket with 4403 and keeps this one',
    async (operation) => {
      const { team, member } = await buildTeamWithRoles(app);
      const other = await logIn(member.email);
      const here = await open(member.token);
      const there = await open(other);
      const thereFeed = subscribe(there, TEAM_ACTIVITY, { teamId: team.id });
      const hereFeed = subscribe(here, TEAM_ACTIVITY, { teamId: team.id });
      await subscriptionsRunning(2);
      const closedAt = there.closed.then(() => Date.now());
      if (operation === 'changePassword') {
        await mutate(
          `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`,
          { c: STRONG_PASSWORD, n: 'Another-Quiet-Harbour-93!' },
          member.token,
        );
      } else {
        await mutate(`mutation { revokeOtherSessions }`, {}, member.token);
      }
      // The second counts from the answer: changePassword first verifies and hashes passwords
      // (argon2id, seconds on a busy machine), and the revocation is published before it answers.
      const answeredAt = Date.now();
      const closed = await withTimeout(there.closed, WITHIN_MS + 500, 'other socket close');
      expect((await closedAt) - answeredAt).toBeLessThan(WITHIN_MS);
      expect(closed.code).toBe(4403);
      await thereFeed.untilComplete();
      expect(here.isClosed()).toBe(false);
      expect(hereFeed.completed).toBe(false);
      await mutate(RENAME, { teamId: team.id, name: 'Still here' }, team.owner.token);
      await hereFeed.untilCount(1);
    },
  );

  it('a session that expires while connected is closed (4403)', async () => {
    const shortLived = await startTestApp({ SESSION_TTL: '2s' });
    try {
      const user = await buildUser(shortLived);
      const live = await connectLive(shortLived, user.token);
      const feed = subscribe(live, ACCOUNT_EVENTS);
      // A timer on the server ends it: a bounded wait, generous against a busy machine.
      const closed = await withTimeout(live.closed, 10_000, 'expiry close');
      expect(closed.code).toBe(4403);
      await feed.untilComplete();
      await live.dispose();
    } finally {
      await shortLived.stop();
    }
  });

  /** Repeats a request until this instance serves the session from its cache. */
  async function cacheSession(token: string) {
    for (let i = 0; i < 50; i++) {
      await mutate(`{ me { id } }`, {}, token);
      if (app.app.services.sessionCache.get(hashToken(token))) return;
    }
    throw new Error('the session was never cached');
  }

  async function logIn(email: string): Promise<string> {
    const response = await app.gql<{ logIn: { token: string } }>(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: email, p: STRONG_PASSWORD },
    );
    if (!response.data?.logIn) throw new Error(JSON.stringify(response.errors));
    return response.data.logIn.token;
  }
});

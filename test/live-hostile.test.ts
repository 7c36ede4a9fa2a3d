import { buildTeam, buildTeamWithRoles } from './factories/team.factory';
import { buildUser } from './factories/user.factory';
import { dataFingerprint } from './support/counts';
import { liveIdle, socketsOpen, subscriptionsRunning } from './support/live-gauges';
import { RawSocket } from './support/raw-socket';
import { ownTeamArrived } from './support/sentinels';
import { startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';
import {
  MY_ACTIVITY,
  ACCOUNT_EVENTS,
  TEAM_ACTIVITY,
  connectLive,
  endCode,
  rawSocket,
  subscribe,
  withTimeout,
  type LiveClient,
} from './support/ws-client';

const RENAME = `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`;

describe('live feeds: hostile clients (docs/THREAT-MODEL.md H17–H22)', () => {
  let app: TestApp;
  let strict: TestApp;
  const clients: LiveClient[] = [];
  const open = async (token: string | null, target: TestApp = app) => {
    const live = await connectLive(target, token);
    clients.push(live);
    return live;
  };

  beforeAll(async () => {
    app = await startTestApp({
      WS_INIT_TIMEOUT: '400ms',
      WS_KEEPALIVE: '250ms',
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3',
      WS_MAX_CONNECTIONS_PER_USER: '2',
    });
    strict = await startTestApp({
      CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    // Each test starts with no socket open and no subscription running on either server.
    await liveIdle();
  });
  afterAll(async () => {
    await app.stop();
    await strict.stop();
  });

  describe('Origin allow-list, checked at the HTTP upgrade', () => {
    it.each([
      ['https://app.example.com', true],
      ['https://ADMIN.example.com', true],
      ['https://evil.example.com', false],
      ['https://app.example.com.evil.example', false],
      ['null', false],
      [undefined, true], // not a browser: browsers always send Origin
    ])('CORS_ORIGINS set: Origin %s → allowed %s', async (origin, allowed) => {
      const raw = rawSocket(strict, { origin });
      const outcome = await raw.opened;
      raw.socket.terminate();
      expect(outcome).toEqual(allowed ? { open: true } : { open: false, status: 403 });
    });

    it('CORS_ORIGINS empty (development): same-origin pages allowed, other origins refused', async () => {
      const sameOrigin = new URL(app.url).origin;
      const same = rawSocket(app, { origin: sameOrigin });
      expect(await same.opened).toEqual({ open: true });
      same.socket.terminate();
      const cross = rawSocket(app, { origin: 'https://evil.example.com' });
      expect(await cross.opened).toEqual({ open: false, status: 403 });
    });

    it('a refused origin never reaches graphql-ws, even with a valid token', async () => {
      const user = await buildUser(strict);
      await expect(
        connectLive(strict, user.token, { origin: 'https://evil.example.com' }),
      ).rejects.toThrow('Unexpected server response: 403');
    });
  });

  describe('handshake', () => {
    it('no connection_init in time → 4408', async () => {
      const raw = rawSocket(app);
      expect(await raw.opened).toEqual({ open: true });
      const closed = await withTimeout(raw.closed, 2_000, 'close');
      expect(closed.code).toBe(4408);
    });

    it('compression is never negotiated (permessage-deflate off)', async () => {
      // The ws client offers permessage-deflate by default; the server must decline it.
      const raw = rawSocket(app);
      expect(await raw.opened).toEqual({ open: true });
      expect(raw.socket.extensions).toBe('');
      raw.socket.terminate();
    });

    it('subscribe before connection_ack → 4401', async () => {
      const raw = rawSocket(app);
      await raw.opened;
      raw.send({ id: '1', type: 'subscribe', payload: { query: MY_ACTIVITY } });
      expect((await withTimeout(raw.closed, 2_000, 'close')).code).toBe(4401);
    });

    it.each([
      ['a made-up token', { authorization: 'Bearer not-a-real-token' }],
      ['a malformed header', { authorization: 'Basic abc' }],
      ['a non-string token', { authorization: 42 }],
    ])('%s → 4403', async (_label, payload) => {
      await expect(connectLive(app, null, { payload })).rejects.toMatchObject({ code: 4403 });
    });

    it('a revoked token → 4403', async () => {
      const user = await buildUser(app);
      const out = await app.gql(`mutation { logOut }`, {}, user.token);
      expect(out.errors).toBeUndefined();
      await expect(connectLive(app, user.token)).rejects.toMatchObject({ code: 4403 });
    });
  });

  describe("another team's feed", () => {
    it.each([
      ['another team', 'FORBIDDEN'],
      ['a team that does not exist', 'FORBIDDEN'],
      ['not an id', 'BAD_USER_INPUT'],
    ])(
      'subscribing to %s → %s at subscribe time, nothing delivered ever, no listener left',
      async (which, code) => {
        const { team, owner, outsider } = await buildTeamWithRoles(app);
        const teamId =
          which === 'another team'
            ? team.id
            : which === 'not an id'
              ? "1' OR '1'='1"
              : '00000000-0000-4000-8000-000000000000';
        const live = await open(outsider.token);
        const listeners = app.app.services.bus.listenerCount();
        const feed = subscribe(live, TEAM_ACTIVITY, { teamId, afterSeq: 0 });
        await feed.untilComplete();
        expect(feed.results).toHaveLength(1);
        expect(endCode(feed)).toBe(code);
        expect(feed.results[0].data ?? null).toBeNull();
        expect(app.app.services.bus.listenerCount()).toBe(listeners);
        // The outsider's own feed on the same socket carries the sentinel.
        const mine = subscribe(live, MY_ACTIVITY);
        await subscriptionsRunning(1);
        const secret = await app.gql(
          RENAME,
          { teamId: team.id, name: 'Secret plans' },
          owner.token,
        );
        expect(secret.errors).toBeUndefined();
        await ownTeamArrived(app, outsider, mine);
        expect(feed.results).toHaveLength(1);
        // Not a frame on the socket for any operation, the ended one included.
        expect(JSON.stringify(live.messages)).not.toContain('Secret plans');
      },
    );

    it('queries and mutations over the socket get the same authorization as HTTP', async () => {
      const { team, member, outsider } = await buildTeamWithRoles(app);
      const live = await open(outsider.token);
      const read = subscribe(live, `query ($id: ID!) { team(id: $id) { name } }`, { id: team.id });
      await read.untilComplete();
      expect(endCode(read)).toBe('FORBIDDEN');
      const before = await dataFingerprint(app);
      for (const [token, expected] of [
        [outsider.token, 'FORBIDDEN'],
        [member.token, 'FORBIDDEN'],
      ] as const) {
        const write = subscribe(await open(token), RENAME, { teamId: team.id, name: 'Hijacked' });
        await write.untilComplete();
        expect(endCode(write)).toBe(expected);
      }
      expect(await dataFingerprint(app)).toBe(before);
      const mine = subscribe(live, `{ me { id } }`);
      await mine.untilComplete();
      expect(mine.results[0].errors).toBeUndefined();
    });
  });

  describe('floods', () => {
    it('one subscription over the per-socket cap closes that socket (1008); other sockets carry on', async () => {
      const { team, owner, member } = await buildTeamWithRoles(app);
      const greedy = await open(member.token);
      const bystander = await open(owner.token);
      const bystanderFeed = subscribe(bystander, TEAM_ACTIVITY, { teamId: team.id });
      const feeds = [MY_ACTIVITY, ACCOUNT_EVENTS, MY_ACTIVITY].map((q) => subscribe(greedy, q));
      // The bystander's and the greedy socket's three, all accepted.
      await subscriptionsRunning(4);
      expect(greedy.isClosed()).toBe(false);
      subscribe(greedy, TEAM_ACTIVITY, { teamId: team.id });
      const closed = await withTimeout(greedy.closed, 2_000, 'greedy close');
      expect(closed).toEqual({ code: 1008, reason: 'Too many subscriptions' });
      for (const feed of feeds) await feed.untilComplete();
      await app.gql(RENAME, { teamId: team.id, name: 'Still flowing' }, owner.token);
      await bystanderFeed.untilCount(1);
      expect(bystander.isClosed()).toBe(false);
    });

    it('one socket over the per-user cap is refused (1008); the others stay; a freed slot is reusable', async () => {
      const user = await buildUser(app);
      const first = await open(user.token);
      const second = await open(user.token);
      await expect(connectLive(app, user.token)).rejects.toMatchObject({
        code: 1008,
        reason: 'Too many connections',
      });
      // Other users are not affected by this user's cap.
      await open((await buildUser(app)).token);
      expect(first.isClosed() || second.isClosed()).toBe(false);
      await first.dispose();
      // The server let go of it too (and of the refused one): the second and the other user's.
      await socketsOpen(2);
      await open(user.token);
    });

    it('a frame over 64 KiB closes that socket (1009); others are unaffected', async () => {
      const user = await buildUser(app);
      const other = await open(user.token);
      const raw = await RawSocket.open(app.wsUrl, { token: user.token });
      raw.send({
        id: '1',
        type: 'subscribe',
        payload: { query: `{ me { id } }`, variables: { pad: 'x'.repeat(70 * 1024) } },
      });
      expect((await withTimeout(raw.closed, 2_000, 'close')).code).toBe(1009);
      const me = subscribe(other, `{ me { id } }`);
      await me.untilComplete();
      expect(me.results[0].data).toEqual({ me: { id: user.id } });
    });

    it('a socket that stops answering pings is dropped; a live one is kept', async () => {
      const user = await buildUser(app);
      const init = { type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } };
      const healthy = rawSocket(app);
      let pings = 0;
      healthy.socket.on('ping', () => (pings += 1));
      let healthyClosed = false;
      void healthy.closed.then(() => (healthyClosed = true));
      await healthy.opened;
      healthy.send(init);
      const dead = rawSocket(app, { autoPong: false });
      await dead.opened;
      dead.send(init);
      const closed = await withTimeout(dead.closed, 5_000, 'dead socket dropped');
      // Terminated without a closing handshake.
      expect(closed.code).toBe(1006);
      // Two more pings: the server has checked the healthy socket's answer since, at least once.
      const seen = pings;
      await waitUntil(() => pings >= seen + 2 || healthyClosed, 'two more pings');
      expect(healthyClosed).toBe(false);
      healthy.socket.terminate();
    });
  });

  it('connect/subscribe/disconnect cycles leave no listener behind', async () => {
    const { team, member } = await buildTeamWithRoles(app);
    await buildTeam(app, member);
    const bus = app.app.services.bus;
    const before = bus.listenerCount();
    for (let round = 0; round < 40; round += 1) {
      const live = await connectLive(app, member.token);
      const feeds = [
        subscribe(live, TEAM_ACTIVITY, { teamId: team.id, afterSeq: 0 }),
        subscribe(live, MY_ACTIVITY),
        subscribe(live, ACCOUNT_EVENTS),
      ];
      if (round % 2 === 0) await feeds[0].untilCount(1);
      if (round % 3 === 0) feeds[1].unsubscribe();
      await live.dispose();
    }
    // Also sockets that vanish without a close handshake.
    await subscriptionsRunning(0);
    for (let round = 0; round < 10; round += 1) {
      const raw = await RawSocket.open(app.wsUrl, { token: member.token });
      raw.send({ id: 'a', type: 'subscribe', payload: { query: MY_ACTIVITY } });
      // Vanishes while its subscription runs.
      await subscriptionsRunning(1);
      raw.terminate();
      await subscriptionsRunning(0);
    }
    await waitUntil(() => bus.listenerCount() === before, 'the listeners to be gone');
    expect(bus.listenerCount()).toBe(before);
    // The per-user connection count came back down too: the cap (2) still admits two.
    await open(member.token);
    await open(member.token);
  });
});

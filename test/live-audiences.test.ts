import { parse } from 'graphql';
import { Socket } from 'node:net';
import type { QueryConfig } from 'pg';
import type { DomainEvent } from '../src/events/domain-events';
import { hashToken } from '../src/auth/token';
import { poolOf } from '../src/db/prepared';
import { audienceExecutions } from '../src/live/audience-metrics';
import { buildBareSchema } from '../src/server/graphql/build-schema';
import { selectsSharedFieldsOnly } from '../src/live/audience-key';
import { subscriptionsRunning } from './support/live-gauges';
import { buildTeam } from './factories/team.factory';
import { insertUser } from './support/fast-users';
import { RawLiveClient } from './support/raw-live-client';
import { roundTrips } from './support/pg-statements';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * What an audience costs: a live event is checked, executed and serialised once per audience,
 * so its SQL statements do not grow with the number of subscribers; a new subscription costs
 * at most two statements (the socket's session is not resolved again).
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

const SHARED = `subscription ($teamId: ID!) { teamActivity(teamId: $teamId) { seq summary team { name myRole } actor { displayName } } }`;
const CREATE = `mutation ($teamId: ID!, $title: String!) { createItem(teamId: $teamId, input: { title: $title }) { id } }`;

/**
 * Statements `run` sent. The bearer token's session read is left out: whether the session
 * cache still holds it depends on the machine's speed, not on what is measured.
 */
async function counted<T>(run: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const spy = jest.spyOn(app.app.services.dataSource.logger, 'logQuery');
  try {
    const result = await run();
    const sent = spy.mock.calls.filter(([sql]) => !/\btoken_hash\b/.test(String(sql)));
    return { result, statements: sent.length };
  } finally {
    spy.mockRestore();
  }
}

/** `size` new members of the team, each with its own socket subscribed to SHARED (into `clients`). */
async function subscribeMembers(teamId: string, size: number, clients: RawLiveClient[]) {
  for (let i = 0; i < size; i += 1) {
    const user = await insertUser(app);
    await app.sql(
      `INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES ($1, $2, 'MEMBER', now())`,
      [teamId, user.id],
    );
    const client = await RawLiveClient.connect(app.wsUrl, user.token);
    client.subscribe('feed', SHARED, { teamId });
    clients.push(client);
  }
  await subscriptionsRunning(size);
}

const value = async (metric: { get(): Promise<{ values: { value: number }[] }> }) =>
  (await metric.get()).values[0]?.value ?? 0;

describe('live audiences: cost', () => {
  it('one event costs one statement for 3 subscribers as for 12, and one execution', async () => {
    // The mutation alone, with nobody listening.
    const quiet = await buildTeam(app);
    await app.gql(CREATE, { teamId: quiet.id, title: 'w' }, quiet.owner.token);
    const { statements: mutationAlone } = await counted(async () => {
      const response = await app.gql(CREATE, { teamId: quiet.id, title: 'x' }, quiet.owner.token);
      expect(response.errors).toBeUndefined();
    });
    const costs: number[] = [];
    for (const size of [3, 12]) {
      const team = await buildTeam(app);
      const clients: RawLiveClient[] = [];
      try {
        await subscribeMembers(team.id, size, clients);
        const delivered = (seq: number) =>
          Promise.all(
            clients.map((c) =>
              c.until(
                () => c.framesOf('feed').some((f) => f.includes(`"seq":${seq},`)),
                5_000,
                `seq ${seq}`,
              ),
            ),
          );
        // A first event, so that every feed is idle, waiting for the next one.
        expect(
          (await app.gql(CREATE, { teamId: team.id, title: 'w' }, team.owner.token)).errors,
        ).toBeUndefined();
        await delivered(2);
        const executionsBefore = await value(audienceExecutions);
        const { statements } = await counted(async () => {
          const response = await app.gql(CREATE, { teamId: team.id, title: 'x' }, team.owner.token);
          expect(response.errors).toBeUndefined();
          await delivered(3);
        });
        costs.push(statements);
        expect(await value(audienceExecutions)).toBe(executionsBefore + 1);
        // Every subscriber got the same bytes, framed with its own operation id.
        const frames = new Set(clients.map((c) => c.framesOf('feed')[1]));
        expect(frames.size).toBe(1);
      } finally {
        for (const client of clients) client.close();
        await subscriptionsRunning(0);
      }
    }
    // Every subscriber's session and membership, the team and the actor: one statement.
    expect(costs).toEqual([mutationAlone + 1, mutationAlone + 1]);
  });
});

describe('live audiences: a team larger than one turn of writes', () => {
  it('every subscriber gets every event once and in order, while events follow each other', async () => {
    const team = await buildTeam(app);
    // More sockets than the hub writes in one turn of the event loop (250).
    const size = 300;
    const clients: RawLiveClient[] = [];
    try {
      await subscribeMembers(team.id, size, clients);
      const seqsOf = (c: RawLiveClient) =>
        c.framesOf('feed').map((f) => Number(/"seq":(\d+),/.exec(f)?.[1]));
      expect(
        (await app.gql(CREATE, { teamId: team.id, title: 'w' }, team.owner.token)).errors,
      ).toBeUndefined();
      await Promise.all(
        clients.map((c) => c.until(() => seqsOf(c).includes(2), 10_000, 'the first event')),
      );
      // Three more, each sent as soon as the previous one answered: deliveries overlap them.
      for (const title of ['a', 'b', 'c']) {
        expect(
          (await app.gql(CREATE, { teamId: team.id, title }, team.owner.token)).errors,
        ).toBeUndefined();
      }
      await Promise.all(
        clients.map((c) => c.until(() => seqsOf(c).length >= 4, 10_000, 'four events')),
      );
      for (const client of clients) expect(seqsOf(client)).toEqual([2, 3, 4, 5]);
    } finally {
      for (const client of clients) client.close();
      await subscriptionsRunning(0);
    }
  });
});

describe('live audiences: events that arrive together', () => {
  type Chunk = { chunk: Buffer | string };
  const nextFrames = (chunks: Chunk[]) =>
    chunks.filter(({ chunk }) => String(chunk).includes('"type":"next"')).length;

  it('are checked in one statement, executed once each, and written to each socket in one write, in order', async () => {
    const team = await buildTeam(app);
    const clients: RawLiveClient[] = [];
    const { bus } = app.app.services;
    const publish = bus.publish.bind(bus);
    try {
      await subscribeMembers(team.id, 3, clients);
      const seqsOf = (c: RawLiveClient) =>
        c.framesOf('feed').map((f) => Number(/"seq":(\d+),/.exec(f)?.[1]));
      expect(
        (await app.gql(CREATE, { teamId: team.id, title: 'w' }, team.owner.token)).errors,
      ).toBeUndefined();
      await Promise.all(clients.map((c) => c.until(() => seqsOf(c).includes(2), 5_000, 'seq 2')));
      // Four mutations whose events are held back, then published at once, as a broker that
      // was slow for a moment would hand them over.
      const held: DomainEvent[] = [];
      const holding = jest.spyOn(bus, 'publish').mockImplementation(async (events) => {
        held.push(...events);
      });
      for (const title of ['a', 'b', 'c', 'd']) {
        expect(
          (await app.gql(CREATE, { teamId: team.id, title }, team.owner.token)).errors,
        ).toBeUndefined();
      }
      holding.mockRestore();
      expect(held.filter((e) => e.kind === 'activity')).toHaveLength(4);
      // Socket writes carrying frames, counted where ws hands them to the connection.
      const writes: number[] = [];
      const socketProto = Socket.prototype as unknown as {
        _writev(chunks: Chunk[], cb: (error?: Error | null) => void): void;
      };
      const writev = socketProto._writev;
      const spy = jest.spyOn(socketProto, '_writev').mockImplementation(function (
        this: Socket,
        chunks,
        cb,
      ) {
        const frames = nextFrames(chunks);
        if (frames) writes.push(frames);
        writev.call(this, chunks, cb);
      });
      const executionsBefore = await value(audienceExecutions);
      try {
        const { statements } = await counted(async () => {
          await publish(held);
          await Promise.all(
            clients.map((c) => c.until(() => seqsOf(c).length >= 5, 5_000, 'five events')),
          );
        });
        expect(statements).toBe(1);
      } finally {
        spy.mockRestore();
      }
      expect(await value(audienceExecutions)).toBe(executionsBefore + 4);
      // One write per socket, each with the four frames.
      expect(writes).toEqual([4, 4, 4]);
      for (const client of clients) expect(seqsOf(client)).toEqual([2, 3, 4, 5, 6]);
    } finally {
      for (const client of clients) client.close();
      await subscriptionsRunning(0);
    }
  });
});

describe('live audiences: a delivery whose read fails', () => {
  it('hands its events to the feeds, which check and send them themselves, and the next events are grouped again', async () => {
    const team = await buildTeam(app);
    const clients: RawLiveClient[] = [];
    const { dataSource } = app.app.services;
    const seqsOf = (c: RawLiveClient) =>
      c.framesOf('feed').map((f) => Number(/"seq":(\d+),/.exec(f)?.[1]));
    const create = async (title: string) =>
      expect(
        (await app.gql(CREATE, { teamId: team.id, title }, team.owner.token)).errors,
      ).toBeUndefined();
    try {
      await subscribeMembers(team.id, 3, clients);
      await create('w');
      await Promise.all(clients.map((c) => c.until(() => seqsOf(c).includes(2), 5_000, 'seq 2')));
      // The audience's one read (the statement that pairs access groups with actors) fails once.
      const pool = poolOf(dataSource);
      const query = pool.query.bind(pool) as (config: QueryConfig) => Promise<unknown>;
      let failed = 0;
      // Cast: pool.query's overloads cannot all be met by one implementation.
      const spy = jest.spyOn(pool, 'query').mockImplementation((async (config: QueryConfig) => {
        if (failed === 0 && config.text.includes('FULL JOIN a ON a.i = g.i')) {
          failed += 1;
          throw new Error('the audience read failed');
        }
        return query(config);
      }) as never);
      try {
        await create('a');
        await Promise.all(clients.map((c) => c.until(() => seqsOf(c).includes(3), 5_000, 'seq 3')));
      } finally {
        spy.mockRestore();
      }
      expect(failed).toBe(1);
      const executionsBefore = await value(audienceExecutions);
      await create('b');
      await Promise.all(clients.map((c) => c.until(() => seqsOf(c).includes(4), 5_000, 'seq 4')));
      // Back on the audience path, and nobody got anything twice.
      expect(await value(audienceExecutions)).toBe(executionsBefore + 1);
      for (const client of clients) expect(seqsOf(client)).toEqual([2, 3, 4]);
    } finally {
      for (const client of clients) client.close();
      await subscriptionsRunning(0);
    }
  });
});

/**
 * What a new subscription costs, counted at the PostgreSQL client: the socket's session is
 * resolved once, for connection_init, and never again for its operations.
 */
describe('live audiences: a new subscription', () => {
  const readsSessions = (sql: string) => /\bsessions\b/.test(sql);

  it('on an open socket: at most two statements (here one: role and last seq), none about the session', async () => {
    const team = await buildTeam(app);
    const client = await RawLiveClient.connect(app.wsUrl, team.owner.token);
    try {
      const { statements } = await roundTrips(async () => {
        client.subscribe('feed', SHARED, { teamId: team.id });
        await subscriptionsRunning(1);
      });
      expect(statements.length).toBeLessThanOrEqual(2);
      expect(statements.filter(readsSessions)).toEqual([]);
    } finally {
      client.close();
      await subscriptionsRunning(0);
    }
  });

  it('on a new socket of a session this instance has cached: at most two statements for connecting and subscribing', async () => {
    const team = await buildTeam(app);
    // Until the session is served from the cache: its user's channel is then watched.
    for (let i = 0; !app.app.services.sessionCache.get(hashToken(team.owner.token)); i++) {
      if (i === 50) throw new Error('the session was never cached');
      await app.gql(`{ me { id } }`, {}, team.owner.token);
    }
    let client: RawLiveClient | undefined;
    try {
      const { statements } = await roundTrips(async () => {
        client = await RawLiveClient.connect(app.wsUrl, team.owner.token);
        client.subscribe('feed', SHARED, { teamId: team.id });
        await subscriptionsRunning(1);
      });
      expect(statements.length).toBeLessThanOrEqual(2);
      // No session read and no re-check: the cache's watch proves nothing was revoked meanwhile.
      expect(statements.filter(readsSessions)).toEqual([]);
    } finally {
      client?.close();
      await subscriptionsRunning(0);
    }
  });

  it('on a new socket of a session not cached: connection_init reads it once (nothing was revoked meanwhile); the subscription adds one statement', async () => {
    const team = await buildTeam(app);
    const user = await insertUser(app);
    await app.sql(
      `INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES ($1, $2, 'MEMBER', now())`,
      [team.id, user.id],
    );
    let client: RawLiveClient | undefined;
    try {
      const connecting = await roundTrips(async () => {
        client = await RawLiveClient.connect(app.wsUrl, user.token);
      });
      // On the in-process bus every revocation passes through this instance's session cache,
      // which saw none after the read began: no re-check.
      expect(connecting.statements).toHaveLength(1);
      expect(connecting.statements.every(readsSessions)).toBe(true);
      const subscribing = await roundTrips(async () => {
        client?.subscribe('feed', SHARED, { teamId: team.id });
        await subscriptionsRunning(1);
      });
      expect(subscribing.statements).toHaveLength(1);
      expect(subscribing.statements.filter(readsSessions)).toEqual([]);
    } finally {
      client?.close();
      await subscriptionsRunning(0);
    }
  });

  it('when a revocation is committed while connection_init reads the session, the socket re-checks it', async () => {
    const user = await insertUser(app);
    const other = await insertUser(app);
    const { sessionCache } = app.app.services;
    // The revocation lands between the session read and the socket's watch.
    const resolve = app.app.services.sessions.resolve.bind(app.app.services.sessions);
    const spy = jest.spyOn(app.app.services.sessions, 'resolve').mockImplementation(async (t) => {
      const viewer = await resolve(t);
      sessionCache.committed([{ kind: 'sessions-revoked', userId: other.id, sessionIds: [] }]);
      return viewer;
    });
    let client: RawLiveClient | undefined;
    try {
      const connecting = await roundTrips(async () => {
        client = await RawLiveClient.connect(app.wsUrl, user.token);
      });
      expect(connecting.statements).toHaveLength(2);
      expect(connecting.statements.every(readsSessions)).toBe(true);
    } finally {
      spy.mockRestore();
      client?.close();
    }
  });
});

describe('live audiences: team channels', () => {
  const channelsInMetrics = async () => {
    const text = await (await fetch(`${app.url.replace(/\/graphql$/, '')}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('teamgraph_live_team_channels '));
    return Number(line?.split(' ')[1]);
  };

  it('listens to a team only while a local subscriber follows it, and counts it in /metrics', async () => {
    const before = await channelsInMetrics();
    const team = await buildTeam(app);
    const first = await RawLiveClient.connect(app.wsUrl, team.owner.token);
    const second = await RawLiveClient.connect(app.wsUrl, team.owner.token);
    try {
      first.subscribe('feed', SHARED, { teamId: team.id });
      second.subscribe('feed', SHARED, { teamId: team.id });
      await subscriptionsRunning(2);
      // Two subscribers, one channel.
      expect(await channelsInMetrics()).toBe(before + 1);
      first.close();
      await subscriptionsRunning(1);
      expect(await channelsInMetrics()).toBe(before + 1);
      second.close();
      await subscriptionsRunning(0);
      expect(await channelsInMetrics()).toBe(before);
    } finally {
      first.close();
      second.close();
    }
  });
});

describe('live audiences: which selections are shared', () => {
  const schema = buildBareSchema();
  const shared = (query: string) => selectsSharedFieldsOnly(schema, parse(query));

  it('shares activity fields, the team name and role, and the actor name', () => {
    expect(shared(SHARED)).toBe(true);
    expect(
      shared(`subscription { myActivity { ...A } } fragment A on Activity { id __typename hash }`),
    ).toBe(true);
  });

  it('runs per viewer for anything that depends on who is looking, however it is reached', () => {
    for (const query of [
      `subscription { myActivity { seq actor { email } } }`,
      `subscription { myActivity { seq team { unreadCount } } }`,
      `subscription { myActivity { seq team { members { role } } } }`,
      `subscription { myActivity { seq ...A } } fragment A on Activity { actor { createdAt } }`,
      `subscription { myActivity { seq ... on Activity { team { lastReadSeq } } } }`,
      `subscription { accountEvents { type } }`,
      `query { me { id } }`,
    ]) {
      expect([query, shared(query)]).toEqual([query, false]);
    }
  });
});

import { postGraphql } from '../bench/lib/graphql';
import { buildInvitation } from './factories/invitation.factory';
import { buildTeam, type TestTeam } from './factories/team.factory';
import { executionTimeLimits } from '../src/metrics/graphql-metrics';
import { startLoggedApp, type LoggedApp } from './support/captured-logs';
import { roundTrips } from './support/pg-statements';
import { holdTable, untilLockWaiters } from './support/row-gate';
import { servedMetric } from './support/served-metrics';
import { readGraphqlResponse, type GraphqlResponse, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';
import { connectLive, subscribe, type LiveResult } from './support/ws-client';

/**
 * Issue 30: an operation's execution runs under EXECUTION_TIMEOUT. The server here has a short
 * one; an operation is held in the middle of its execution by a table lock a test transaction
 * keeps until the deadline has passed, so the rest of its tree starts only after it.
 */
const DEADLINE_MS = 400;
const TIME_LIMIT_METRIC = 'teamgraph_execution_time_limit_total';

let logged: LoggedApp;
let app: TestApp;
let team: TestTeam;

beforeAll(async () => {
  logged = await startLoggedApp({
    EXECUTION_TIMEOUT: `${DEADLINE_MS}ms`,
    BACKUP_SCHEDULER: 'off',
  });
  const databaseUrl = logged.app.services.config.DATABASE_URL as string;
  // The factories speak to a TestApp; this one's log lines are kept.
  app = {
    url: logged.url,
    databaseUrl,
    wsUrl: logged.url.replace(/^http/, 'ws'),
    app: logged.app,
    gql: async (query, variables, token) =>
      readGraphqlResponse(await postGraphql(logged.url, query, variables, token)),
    sql: (text, params) => logged.app.services.dataSource.query(text, params),
    stop: () => logged.stop(),
  };
  team = await buildTeam(app);
  for (let i = 0; i < 20; i++) {
    const created = await app.gql(
      `mutation ($teamId: ID!, $title: String!) { createItem(teamId: $teamId, input: { title: $title }) { id } }`,
      { teamId: team.id, title: `Item ${i}` },
      team.owner.token,
    );
    expect(created.errors).toBeUndefined();
  }
}, 60_000);
afterAll(() => logged?.stop());

const PAGE = `query ($id: ID!) { team(id: $id) { name items(first: 100) {
  totalCount edges { node { id title createdBy { id displayName } updatedBy { id displayName } } } } } }`;

/** The page twice, on branches (`me` may be null) that each reach the deadline on their own. */
const TWO_PAGES = `query {
  first: me { teams { team { items(first: 100) { totalCount } } } }
  second: me { teams { team { items(first: 100) { totalCount } } } } }`;

type Page = { team: { items: { edges: unknown[] } } | null };

/**
 * Starts an operation while the items table is locked, waits until it waits on the lock and its
 * deadline has passed (its clock started before it waited, so DEADLINE_MS after it is seen
 * waiting, the deadline is behind it: the condition under test, not a pause), then lets it go on.
 */
async function heldPastTheDeadline<T>(start: () => Promise<T>): Promise<T> {
  const gate = await holdTable(app.databaseUrl, 'items');
  try {
    const answer = start();
    await untilLockWaiters(app, 1);
    const seenWaiting = performance.now();
    await waitUntil(
      () => performance.now() - seenWaiting > DEADLINE_MS,
      'the operation’s deadline',
      DEADLINE_MS * 10,
    );
    await gate.release();
    return await answer;
  } finally {
    await gate.release();
  }
}

/** Statements the server sent for the operation (the test's own lock and probes left out). */
const serverStatements = (statements: string[]) =>
  statements.filter(
    (sql) => !/pg_stat_activity|^(BEGIN|COMMIT|LOCK TABLE)\b|\bsessions\b/.test(sql),
  );

/** The counter has no series until the first stop. */
const timeLimits = () => servedMetric(app, TIME_LIMIT_METRIC).catch(() => 0);

function expectOneTimeLimit(errors: GraphqlResponse['errors'] | LiveResult['errors']): void {
  expect(errors).toHaveLength(1);
  expect(errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'TIME_LIMIT' });
  expect(errors?.[0]?.message).toContain(`${DEADLINE_MS} ms`);
}

describe('over HTTP', () => {
  it('answers a query within its deadline in full', async () => {
    const answer = await app.gql<Page>(PAGE, { id: team.id }, team.owner.token);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.team?.items.edges).toHaveLength(20);
  });

  it('stops a query at its deadline with one TIME_LIMIT error: no field starts after it', async () => {
    const full = await roundTrips(async () => {
      const answer = await app.gql<Page>(PAGE, { id: team.id }, team.owner.token);
      expect(answer.errors).toBeUndefined();
    });
    const before = await timeLimits();
    let answer: GraphqlResponse<Page> | undefined;
    const stopped = await roundTrips(async () => {
      answer = await heldPastTheDeadline(() =>
        app.gql<Page>(PAGE, { id: team.id }, team.owner.token),
      );
    });
    expect(answer?.status).toBe(200);
    expectOneTimeLimit(answer?.errors);
    expect(answer?.data?.team ?? null).toBeNull();
    // The page was read (it is what waited), but nothing under it: its count never started.
    const fullStatements = serverStatements(full.statements);
    const stoppedStatements = serverStatements(stopped.statements);
    const counts = (statements: string[]) => statements.filter((sql) => /COUNT\(/.test(sql));
    expect(counts(fullStatements)).toHaveLength(1);
    expect(counts(stoppedStatements)).toEqual([]);
    expect(stoppedStatements).toEqual(fullStatements.filter((sql) => !/COUNT\(/.test(sql)));

    expect(await timeLimits()).toBe(before + 1);
    const lines = logged.lines();
    const warning = lines.find((line) => line.event === 'graphql.time_limit');
    expect(warning).toMatchObject({ operationType: 'query', budgetMs: DEADLINE_MS });
    expect(lines).toContainEqual(
      expect.objectContaining({
        event: 'graphql.operation',
        requestId: warning?.requestId,
        outcome: 'error',
        errorCodes: ['BAD_USER_INPUT'],
        transport: 'http',
      }),
    );
  });

  it('answers one TIME_LIMIT error however many branches reach the deadline', async () => {
    const answer = await heldPastTheDeadline(() => app.gql(TWO_PAGES, {}, team.owner.token));
    expectOneTimeLimit(answer.errors);
    expect(answer.data).toEqual({ first: null, second: null });
  });

  it('lets a mutation held past the deadline answer with everything it committed', async () => {
    const answer = await heldPastTheDeadline(() =>
      app.gql<{ createItem: { id: string; title: string; createdBy: { displayName: string } } }>(
        `mutation ($teamId: ID!) { createItem(teamId: $teamId, input: { title: "Slow" }) {
          id title createdBy { displayName } team { name } } }`,
        { teamId: team.id },
        team.owner.token,
      ),
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.createItem).toMatchObject({
      title: 'Slow',
      createdBy: { displayName: team.owner.displayName },
    });
    const rows = await app.sql('SELECT title FROM items WHERE id = $1', [
      answer.data?.createItem.id,
    ]);
    expect(rows).toEqual([{ title: 'Slow' }]);
    await app.sql('DELETE FROM items WHERE id = $1', [answer.data?.createItem.id]);
  });
});

describe('over WebSocket', () => {
  it('answers a query within its deadline in full, and stops one past it with one error on every branch', async () => {
    const live = await connectLive(app, team.owner.token);
    try {
      const quick = subscribe(live, PAGE, { id: team.id });
      await quick.untilComplete(15_000);
      expect(quick.results[0].errors).toBeUndefined();
      expect((quick.results[0].data as Page).team?.items.edges).toHaveLength(20);

      const before = await timeLimits();
      const held = await heldPastTheDeadline(async () => {
        const feed = subscribe(live, TWO_PAGES);
        await feed.untilComplete(30_000);
        return feed;
      });
      expect(held.results).toHaveLength(1);
      expectOneTimeLimit(held.results[0].errors);
      expect(held.results[0].data).toEqual({ first: null, second: null });
      expect(await timeLimits()).toBe(before + 1);
    } finally {
      await live.dispose();
    }
  });
});

describe('live events', () => {
  const ACTIVITY_WITH_PAGE = `subscription ($teamId: ID!, $afterSeq: Int) {
    teamActivity(teamId: $teamId, afterSeq: $afterSeq) { seq action team { items(first: 100) { totalCount } } }
  }`;

  /** Live events stopped at their deadline so far (none may be: every owed row arrives). */
  const stoppedEvents = async () =>
    (await executionTimeLimits.get()).values.find((v) => v.labels.type === 'subscription')?.value ??
    0;

  it('never stops an event’s execution: a held event arrives in full once it can run, and the next one too', async () => {
    const [{ last }] = await app.sql<{ last: number }>(
      'SELECT last_seq AS last FROM teams WHERE id = $1',
      [team.id],
    );
    const live = await connectLive(app, team.owner.token);
    try {
      // The last stored event is replayed first: the signal that the feed is live.
      const feed = subscribe(live, ACTIVITY_WITH_PAGE, { teamId: team.id, afterSeq: last - 1 });
      await feed.untilCount(1, 15_000);
      expect(feed.results[0].errors).toBeUndefined();
      const before = await stoppedEvents();
      await heldPastTheDeadline(async () => {
        await buildInvitation(app, team);
        await feed.untilCount(2, 30_000);
      });
      expect(await stoppedEvents()).toBe(before);
      expect(feed.results[1].errors).toBeUndefined();
      expect(feed.results[1].data?.teamActivity).toMatchObject({
        seq: last + 1,
        team: { items: { totalCount: 20 } },
      });
      await buildInvitation(app, team);
      await feed.untilCount(3, 15_000);
      expect(feed.results[2].errors).toBeUndefined();
      expect(feed.results[2].data?.teamActivity).toMatchObject({
        seq: last + 2,
        team: { items: { totalCount: 20 } },
      });
      expect(feed.completed).toBe(false);
    } finally {
      await live.dispose();
    }
  });
});

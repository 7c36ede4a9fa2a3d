import type { DomainEvent } from '../src/events/domain-events';
import { userChannel } from '../src/events/domain-events';
import { verifyActivityLog } from '../src/activity/verify-activity-log';
import { addMember, buildTeam } from './factories/team.factory';
import type { TestUser } from './factories/user.factory';
import { expectNoActivitySince, lastActivitySeq } from './support/activity-assertions';
import { dataFingerprint } from './support/counts';
import { errorCode, startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

const FEED = `query ($id: ID!, $first: Int, $after: String, $filter: ActivityFilter) {
  team(id: $id) { activity(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { seq action subjectType subjectId summary details hash actor { id } team { id } } }
  } }
}`;
interface FeedNode {
  seq: number;
  action: string;
  subjectId: string;
  summary: string;
  actor: { id: string } | null;
}
interface FeedData {
  team: {
    activity: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      edges: { cursor: string; node: FeedNode }[];
    };
  };
}
const VERIFY = `query ($teamId: ID!) { verifyActivityLog(teamId: $teamId) { intact checkedCount firstBrokenSeq } }`;
const MARK_READ = `mutation ($teamId: ID!, $upTo: Int!) { markActivityRead(teamId: $teamId, upToSeq: $upTo) { id lastReadSeq unreadCount } }`;
const UNREAD = `query ($id: ID!) { team(id: $id) { lastReadSeq unreadCount } }`;

async function createItem(teamId: string, user: TestUser, title: string): Promise<string> {
  const response = await app.gql<{ createItem: { id: string } }>(
    `mutation ($teamId: ID!, $title: String!) { createItem(teamId: $teamId, input: { title: $title }) { id } }`,
    { teamId, title },
    user.token,
  );
  if (!response.data?.createItem) throw new Error(JSON.stringify(response.errors));
  return response.data.createItem.id;
}

async function renameItem(id: string, user: TestUser, title: string): Promise<void> {
  const response = await app.gql(
    `mutation ($id: ID!, $title: String!) { updateItem(id: $id, input: { title: $title }) { id } }`,
    { id, title },
    user.token,
  );
  if (response.errors) throw new Error(JSON.stringify(response.errors));
}

async function feed(teamId: string, user: TestUser, vars: Record<string, unknown> = {}) {
  const response = await app.gql<FeedData>(FEED, { id: teamId, ...vars }, user.token);
  expect(response.errors).toBeUndefined();
  return response.data!.team.activity;
}

/** A team with a history: TEAM_CREATED, then 3 items by the owner and 2 by a member, then edits. */
async function teamWithHistory() {
  const team = await buildTeam(app);
  const member = await addMember(app, team, 'MEMBER');
  const a = await createItem(team.id, team.owner, 'A');
  const b = await createItem(team.id, team.owner, 'B');
  await createItem(team.id, team.owner, 'C');
  const d = await createItem(team.id, member, 'D');
  await createItem(team.id, member, 'E');
  await renameItem(a, member, 'A2');
  await renameItem(a, team.owner, 'A3');
  await renameItem(b, member, 'B2');
  return { team, owner: team.owner, member, a, b, d };
}

describe('Team.activity', () => {
  it('lists every row newest first, page by page, with gapless seqs and a total', async () => {
    const { team, owner } = await teamWithHistory();
    const seqs: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await feed(team.id, owner, { first: 3, after });
      expect(page.totalCount).toBe(9);
      seqs.push(...page.edges.map((e) => e.node.seq));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seqs).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const first = await feed(team.id, owner, { first: 1 });
    expect(first.edges[0].node).toMatchObject({
      seq: 9,
      action: 'ITEM_UPDATED',
      actor: expect.any(Object),
    });
    expect(first.edges[0].node.summary).toContain('B2');
  });

  it('filters by actions, actor and subject — together and apart — and counts the matches', async () => {
    const { team, owner, member, a, d } = await teamWithHistory();
    const created = await feed(team.id, owner, { filter: { actions: ['ITEM_CREATED'] } });
    expect(created.edges.map((e) => e.node.seq)).toEqual([6, 5, 4, 3, 2]);
    expect(created.totalCount).toBe(5);

    const two = await feed(team.id, owner, {
      filter: { actions: ['TEAM_CREATED', 'ITEM_UPDATED'] },
      first: 2,
    });
    expect(two.edges.map((e) => e.node.seq)).toEqual([9, 8]);
    expect(two.totalCount).toBe(4);
    const rest = await feed(team.id, owner, {
      filter: { actions: ['TEAM_CREATED', 'ITEM_UPDATED'] },
      after: two.pageInfo.endCursor,
    });
    expect(rest.edges.map((e) => e.node.seq)).toEqual([7, 1]);
    expect(rest.pageInfo.hasNextPage).toBe(false);

    const byMember = await feed(team.id, owner, { filter: { actorId: member.id } });
    expect(byMember.edges.map((e) => e.node.seq)).toEqual([9, 7, 6, 5]);
    expect(byMember.edges.every((e) => e.node.actor?.id === member.id)).toBe(true);

    const aboutA = await feed(team.id, owner, { filter: { subjectId: a } });
    expect(aboutA.edges.map((e) => e.node.action)).toEqual([
      'ITEM_UPDATED',
      'ITEM_UPDATED',
      'ITEM_CREATED',
    ]);

    const combined = await feed(team.id, owner, {
      filter: { subjectId: a, actorId: owner.id, actions: ['ITEM_UPDATED'] },
    });
    expect(combined.edges.map((e) => e.node.seq)).toEqual([8]);
    expect(combined.totalCount).toBe(1);

    const none = await feed(team.id, owner, {
      filter: { subjectId: d, actions: ['ITEM_DELETED'] },
    });
    expect(none).toEqual({
      totalCount: 0,
      pageInfo: { hasNextPage: false, endCursor: null },
      edges: [],
    });
  });

  it.each([
    [{ first: 0 }, 'first'],
    [{ first: 101 }, 'first'],
    [{ after: 'not-a-cursor' }, 'after'],
    [{ after: Buffer.from('["item","2026-01-01T00:00:00Z","x"]').toString('base64url') }, 'after'],
    [{ filter: { actorId: 'nobody' } }, 'filter.actorId'],
  ])('refuses %j with BAD_USER_INPUT on field %s', async (vars, field) => {
    const team = await buildTeam(app);
    const response = await app.gql(FEED, { id: team.id, ...vars }, team.owner.token);
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('is FORBIDDEN to outsiders', async () => {
    const team = await buildTeam(app);
    const outsider = await buildTeam(app);
    const response = await app.gql(FEED, { id: team.id }, outsider.owner.token);
    expect(errorCode(response)).toBe('FORBIDDEN');
  });

  it('reads each page as a short index range — the queries the feed really runs, explained', async () => {
    const { team, owner, member } = await teamWithHistory();
    const ds = app.app.services.dataSource;
    const cursor = (await feed(team.id, owner, { first: 2 })).pageInfo.endCursor;
    // Capture the SQL the server sends for each kind of page.
    const captured: [string, unknown[]][] = [];
    const spy = jest.spyOn(ds.logger, 'logQuery').mockImplementation((sql, params) => {
      if (/FROM activities/.test(sql) && /ORDER BY/.test(sql)) {
        captured.push([sql, Array.isArray(params) ? params : []]);
      }
    });
    try {
      await feed(team.id, owner, { first: 2, after: cursor });
      await feed(team.id, owner, { filter: { actorId: member.id } });
      await feed(team.id, owner, { filter: { subjectId: team.id } });
      await feed(team.id, owner, { filter: { actions: ['ITEM_CREATED', 'TEAM_CREATED'] } });
    } finally {
      spy.mockRestore();
    }
    expect(captured).toHaveLength(4);
    // On a tiny table the planner would rightly pick a seq scan; forbid it to see the index choice.
    const plans = await ds.transaction(async (tx) => {
      await tx.query(`SET LOCAL enable_seqscan = off`);
      const out: string[] = [];
      for (const [sql, params] of captured) {
        const rows = (await tx.query(`EXPLAIN ${sql}`, params)) as { 'QUERY PLAN': string }[];
        out.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
      }
      return out;
    });
    expect(plans[0]).toMatch(/Index Scan Backward using activities_team_seq_key/);
    expect(plans[1]).toMatch(/Index Scan Backward using activities_team_actor_seq_idx/);
    expect(plans[2]).toMatch(/Index Scan Backward using activities_team_subject_seq_idx/);
    expect(plans[3]).toMatch(/Index Scan Backward using activities_team_action_seq_idx/);
    // Never OFFSET, and no sort over the team's rows (only the per-action pages are merged).
    for (const plan of plans.slice(0, 3)) expect(plan).not.toMatch(/Sort|Offset/);
    expect(plans[3]).not.toMatch(/Offset/);
  });
});

describe('seq under concurrency', () => {
  it('stays gapless and chained when many members write at once', async () => {
    const team = await buildTeam(app);
    const writers = [
      team.owner,
      ...(await Promise.all([1, 2, 3].map(() => addMember(app, team, 'MEMBER')))),
    ];
    const ids = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        createItem(team.id, writers[i % writers.length], `Burst ${i}`),
      ),
    );
    expect(new Set(ids).size).toBe(24);
    const rows = await app.sql<{ seq: number }>(
      `SELECT seq FROM activities WHERE team_id = $1 ORDER BY seq`,
      [team.id],
    );
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const response = await app.gql(VERIFY, { teamId: team.id }, team.owner.token);
    expect(response.data).toEqual({
      verifyActivityLog: { intact: true, checkedCount: 25, firstBrokenSeq: null },
    });
  });
});

describe('verifyActivityLog', () => {
  it('reports an untouched log as intact, with every row checked', async () => {
    const { team, member } = await teamWithHistory();
    const response = await app.gql(VERIFY, { teamId: team.id }, member.token);
    expect(response.data).toEqual({
      verifyActivityLog: { intact: true, checkedCount: 9, firstBrokenSeq: null },
    });
  });

  it('finds a row edited in SQL', async () => {
    const { team, owner } = await teamWithHistory();
    await app.sql(
      `UPDATE activities SET summary = 'Nothing happened' WHERE team_id = $1 AND seq = 4`,
      [team.id],
    );
    const response = await app.gql(VERIFY, { teamId: team.id }, owner.token);
    expect(response.data).toEqual({
      verifyActivityLog: { intact: false, checkedCount: 4, firstBrokenSeq: 4 },
    });
  });

  it('finds an edited detail, a deleted row and a deleted tail', async () => {
    const edited = await teamWithHistory();
    await app.sql(
      `UPDATE activities SET details = details || '{"title":"forged"}' WHERE team_id = $1 AND seq = 2`,
      [edited.team.id],
    );
    expect(
      await verifyActivityLog(app.app.services.dataSource, app.app.services.cpu, edited.team.id),
    ).toEqual({
      intact: false,
      checkedCount: 2,
      firstBrokenSeq: 2,
    });

    const gap = await teamWithHistory();
    await app.sql(`DELETE FROM activities WHERE team_id = $1 AND seq = 6`, [gap.team.id]);
    expect(
      await verifyActivityLog(app.app.services.dataSource, app.app.services.cpu, gap.team.id),
    ).toMatchObject({
      intact: false,
      firstBrokenSeq: 6,
    });

    const tail = await teamWithHistory();
    await app.sql(`DELETE FROM activities WHERE team_id = $1 AND seq >= 8`, [tail.team.id]);
    expect(
      await verifyActivityLog(app.app.services.dataSource, app.app.services.cpu, tail.team.id),
    ).toEqual({
      intact: false,
      checkedCount: 7,
      firstBrokenSeq: 8,
    });
  });

  it('checks the chain across batch boundaries (read a batch at a time, not all at once)', async () => {
    const { team } = await teamWithHistory();
    const ds = app.app.services.dataSource;
    for (const size of [1, 2, 4, 9, 50]) {
      expect(await verifyActivityLog(ds, app.app.services.cpu, team.id, size)).toEqual({
        intact: true,
        checkedCount: 9,
        firstBrokenSeq: null,
      });
    }
    await app.sql(`UPDATE activities SET actor_id = NULL WHERE team_id = $1 AND seq = 5`, [
      team.id,
    ]);
    expect(await verifyActivityLog(ds, app.app.services.cpu, team.id, 2)).toEqual({
      intact: false,
      checkedCount: 5,
      firstBrokenSeq: 5,
    });
  });

  it('is FORBIDDEN to outsiders', async () => {
    const team = await buildTeam(app);
    const other = await buildTeam(app);
    expect(errorCode(await app.gql(VERIFY, { teamId: team.id }, other.owner.token))).toBe(
      'FORBIDDEN',
    );
  });
});

describe('read state: markActivityRead, unreadCount, lastReadSeq', () => {
  it("counts only others' activity after my read position", async () => {
    const { team, owner, member } = await teamWithHistory();
    // 9 rows: owner wrote seqs 1,2,3,4,8; the member wrote 5,6,7,9.
    const ownerView = await app.gql(UNREAD, { id: team.id }, owner.token);
    expect(ownerView.data).toEqual({ team: { lastReadSeq: 0, unreadCount: 4 } });
    const memberView = await app.gql(UNREAD, { id: team.id }, member.token);
    expect(memberView.data).toEqual({ team: { lastReadSeq: 0, unreadCount: 5 } });

    const marked = await app.gql(MARK_READ, { teamId: team.id, upTo: 6 }, owner.token);
    expect(marked.data).toEqual({
      markActivityRead: { id: team.id, lastReadSeq: 6, unreadCount: 2 },
    });
  });

  it('never moves back, clamps to the last seq and records no activity', async () => {
    const { team, owner } = await teamWithHistory();
    const seq = await lastActivitySeq(app, team.id);
    const far = await app.gql(MARK_READ, { teamId: team.id, upTo: 1000 }, owner.token);
    expect(far.data).toEqual({ markActivityRead: { id: team.id, lastReadSeq: 9, unreadCount: 0 } });
    const back = await app.gql(MARK_READ, { teamId: team.id, upTo: 3 }, owner.token);
    expect(back.data).toEqual({
      markActivityRead: { id: team.id, lastReadSeq: 9, unreadCount: 0 },
    });
    const [row] = await app.sql<{ last_read_seq: number }>(
      `SELECT last_read_seq FROM memberships WHERE team_id = $1 AND user_id = $2`,
      [team.id, owner.id],
    );
    expect(row.last_read_seq).toBe(9);
    await expectNoActivitySince(app, team.id, seq);
  });

  it('refuses a negative seq with BAD_USER_INPUT and changes nothing', async () => {
    const team = await buildTeam(app);
    const before = await dataFingerprint(app);
    const response = await app.gql(MARK_READ, { teamId: team.id, upTo: -1 }, team.owner.token);
    expect(response.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'upToSeq',
    });
    expect(await dataFingerprint(app)).toBe(before);
  });

  it('pushes the new read state to my other sessions as an account event, once per real move', async () => {
    const { team, owner } = await teamWithHistory();
    const events: DomainEvent[] = [];
    const stop = app.app.services.bus.subscribe(userChannel(owner.id), (event) =>
      events.push(event),
    );
    await stop.ready;
    try {
      await app.gql(MARK_READ, { teamId: team.id, upTo: 5 }, owner.token);
      await app.gql(MARK_READ, { teamId: team.id, upTo: 2 }, owner.token);
      // The sentinel, a real move: published after anything the step back might have sent.
      await app.gql(MARK_READ, { teamId: team.id, upTo: 7 }, owner.token);
      await waitUntil(() => events.length >= 2, 'the sentinel');
    } finally {
      stop();
    }
    const [session] = await app.sql<{ id: string }>(`SELECT id FROM sessions WHERE user_id = $1`, [
      owner.id,
    ]);
    expect(events).toEqual(
      [5, 7].map((lastReadSeq) => ({
        kind: 'account',
        userId: owner.id,
        type: 'READ_STATE_CHANGED',
        sessionId: session.id,
        details: { teamId: team.id, lastReadSeq },
        createdAt: expect.any(String),
      })),
    );
  });

  it('is FORBIDDEN to outsiders and leaves their data alone', async () => {
    const team = await buildTeam(app);
    const other = await buildTeam(app);
    const before = await dataFingerprint(app);
    expect(
      errorCode(await app.gql(MARK_READ, { teamId: team.id, upTo: 1 }, other.owner.token)),
    ).toBe('FORBIDDEN');
    expect(await dataFingerprint(app)).toBe(before);
  });
});

import { addMember, buildTeam, buildTeamWithRoles } from './factories/team.factory';
import type { TestUser } from './factories/user.factory';
import {
  expectActivity,
  expectNoActivitySince,
  lastActivitySeq,
} from './support/activity-assertions';
import { dataFingerprint } from './support/counts';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

const CREATE = `mutation ($teamId: ID!, $input: CreateItemInput!) {
  createItem(teamId: $teamId, input: $input) {
    id title content version createdAt updatedAt team { id } createdBy { id } updatedBy { id }
  }
}`;
const UPDATE = `mutation ($id: ID!, $input: UpdateItemInput!, $v: Int) {
  updateItem(id: $id, input: $input, expectedVersion: $v) { id title content version createdAt updatedAt updatedBy { id } }
}`;
const DELETE = `mutation ($id: ID!, $v: Int) { deleteItem(id: $id, expectedVersion: $v) }`;
const ITEM = `query ($id: ID!) { item(id: $id) { id title content version } }`;

interface ItemData {
  id: string;
  title: string;
  content: Record<string, unknown>;
  version: number;
}

async function createItem(
  teamId: string,
  user: TestUser,
  title = 'Plan',
  content: object = { body: 'x' },
) {
  const response = await app.gql<{ createItem: ItemData }>(
    CREATE,
    { teamId, input: { title, content } },
    user.token,
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createItem;
}

describe('createItem', () => {
  it('creates version 1 with its authors and team, and records ITEM_CREATED', async () => {
    const { team, member } = await buildTeamWithRoles(app);
    const before = await lastActivitySeq(app, team.id);
    const response = await app.gql<{ createItem: Record<string, unknown> }>(
      CREATE,
      {
        teamId: team.id,
        input: { title: '  Launch plan ', content: { steps: ['a', 'b'], done: false } },
      },
      member.token,
    );
    expect(response.errors).toBeUndefined();
    const item = response.data!.createItem;
    expect(item).toMatchObject({
      title: 'Launch plan',
      content: { steps: ['a', 'b'], done: false },
      version: 1,
      team: { id: team.id },
      createdBy: { id: member.id },
      updatedBy: { id: member.id },
    });
    await expectActivity(app, team.id, {
      action: 'ITEM_CREATED',
      actorId: member.id,
      subjectType: 'Item',
      subjectId: item.id as string,
      details: { title: 'Launch plan' },
      afterSeq: before,
    });
  });

  it('defaults content to {}', async () => {
    const team = await buildTeam(app);
    const response = await app.gql<{ createItem: ItemData }>(
      CREATE,
      { teamId: team.id, input: { title: 'Empty' } },
      team.owner.token,
    );
    expect(response.data!.createItem.content).toEqual({});
  });

  it.each([
    ['an empty title', { title: '   ', content: {} }, 'title'],
    ['a 201-character title', { title: 'x'.repeat(201), content: {} }, 'title'],
    ['content over 64 KiB', { title: 'Big', content: { blob: 'x'.repeat(64 * 1024) } }, 'content'],
  ])(
    'refuses %s with BAD_USER_INPUT naming the field, and records nothing',
    async (_, input, field) => {
      const team = await buildTeam(app);
      const seq = await lastActivitySeq(app, team.id);
      const before = await dataFingerprint(app);
      const response = await app.gql(CREATE, { teamId: team.id, input }, team.owner.token);
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].extensions!.field).toBe(field);
      expect(await dataFingerprint(app)).toBe(before);
      await expectNoActivitySince(app, team.id, seq);
    },
  );

  it('accepts a 200-character title and content of exactly 64 KiB', async () => {
    const team = await buildTeam(app);
    // {"b":"…"} is 8 bytes of JSON around the string.
    const content = { b: 'y'.repeat(64 * 1024 - 8) };
    expect(Buffer.byteLength(JSON.stringify(content))).toBe(64 * 1024);
    const item = await createItem(team.id, team.owner, 'é'.repeat(200), content);
    expect(item.title).toHaveLength(200);
  });

  it('refuses content that is not a JSON object (an array) as bad input', async () => {
    const team = await buildTeam(app);
    const before = await dataFingerprint(app);
    const response = await app.gql(
      CREATE,
      { teamId: team.id, input: { title: 'T', content: [1, 2] } },
      team.owner.token,
    );
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(await dataFingerprint(app)).toBe(before);
  });
});

describe('input shape', () => {
  it('refuses unknown input fields and a missing title as validation errors, changing nothing', async () => {
    const team = await buildTeam(app);
    const before = await dataFingerprint(app);
    const unknown = await app.gql(
      CREATE,
      { teamId: team.id, input: { title: 'T', content: {}, version: 7 } },
      team.owner.token,
    );
    expect(errorCode(unknown)).toBe('BAD_USER_INPUT');
    const missing = await app.gql(
      CREATE,
      { teamId: team.id, input: { content: {} } },
      team.owner.token,
    );
    expect(errorCode(missing)).toBe('BAD_USER_INPUT');
    expect(await dataFingerprint(app)).toBe(before);
  });

  it('re-checks the team through the item edge (item.team.members)', async () => {
    const team = await buildTeam(app);
    const member = await addMember(app, team, 'MEMBER');
    const item = await createItem(team.id, member);
    const query = `query ($id: ID!) { item(id: $id) { team { name members { user { id } } } } }`;
    const ok = await app.gql<{ item: { team: { members: unknown[] } } }>(
      query,
      { id: item.id },
      member.token,
    );
    expect(ok.data!.item.team.members).toHaveLength(2);
    await app.gql(`mutation ($t: ID!) { leaveTeam(teamId: $t) }`, { t: team.id }, member.token);
    expect(errorCode(await app.gql(query, { id: item.id }, member.token))).toBe('FORBIDDEN');
  });
});

describe('updateItem', () => {
  it('bumps the version, sets updatedBy and records the changed fields with old and new values', async () => {
    const { team, owner, member } = await buildTeamWithRoles(app);
    const item = await createItem(team.id, owner, 'Draft', { body: 'v1' });
    const seq = await lastActivitySeq(app, team.id);
    const response = await app.gql<{ updateItem: Record<string, unknown> }>(
      UPDATE,
      { id: item.id, input: { title: 'Final', content: { body: 'v2' } }, v: 1 },
      member.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.updateItem).toMatchObject({
      title: 'Final',
      content: { body: 'v2' },
      version: 2,
      updatedBy: { id: member.id },
    });
    await expectActivity(app, team.id, {
      action: 'ITEM_UPDATED',
      actorId: member.id,
      subjectId: item.id,
      afterSeq: seq,
      details: {
        version: 2,
        changedFields: {
          title: { old: 'Draft', new: 'Final' },
          content: { old: { body: 'v1' }, new: { body: 'v2' } },
        },
      },
    });
    const [row] = await app.sql<{ version: number; updated_by_id: string; updated_at: Date }>(
      `SELECT version, updated_by_id, updated_at FROM items WHERE id = $1`,
      [item.id],
    );
    expect(row).toMatchObject({ version: 2, updated_by_id: member.id });
    const updated = response.data!.updateItem as { createdAt: string; updatedAt: string };
    expect(new Date(updated.updatedAt).getTime()).toBe(row.updated_at.getTime());
    expect(new Date(updated.updatedAt).getTime()).toBeGreaterThan(
      new Date(updated.createdAt).getTime(),
    );
  });

  it('lists only fields that changed, and names a large value without copying it', async () => {
    const team = await buildTeam(app);
    const item = await createItem(team.id, team.owner, 'Same', { small: true });
    const big = { text: 'z'.repeat(5000) };
    await app.gql(
      UPDATE,
      { id: item.id, input: { title: 'Same', content: big }, v: 1 },
      team.owner.token,
    );
    const row = await expectActivity(app, team.id, { action: 'ITEM_UPDATED', subjectId: item.id });
    expect(row.details.changedFields).toEqual({ content: { large: true } });
    expect(JSON.stringify(row.details).length).toBeLessThan(200);
  });

  it('is CONFLICT on a stale expectedVersion and changes nothing', async () => {
    const team = await buildTeam(app);
    const item = await createItem(team.id, team.owner);
    await app.gql(UPDATE, { id: item.id, input: { title: 'Second' }, v: 1 }, team.owner.token);
    const seq = await lastActivitySeq(app, team.id);
    const before = await dataFingerprint(app);
    const response = await app.gql(
      UPDATE,
      { id: item.id, input: { title: 'Lost' }, v: 1 },
      team.owner.token,
    );
    expect(errorCode(response)).toBe('CONFLICT');
    expect(await dataFingerprint(app)).toBe(before);
    await expectNoActivitySince(app, team.id, seq);
  });

  it('lets exactly one of many concurrent updates with the same expectedVersion win', async () => {
    const team = await buildTeam(app);
    const item = await createItem(team.id, team.owner);
    const seq = await lastActivitySeq(app, team.id);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.gql<{ updateItem: { version: number } }>(
          UPDATE,
          { id: item.id, input: { title: `Writer ${i}` }, v: 1 },
          team.owner.token,
        ),
      ),
    );
    const winners = results.filter((r) => !r.errors);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => errorCode(r) === 'CONFLICT')).toHaveLength(7);
    const [row] = await app.sql<{ version: number; title: string }>(
      `SELECT version, title FROM items WHERE id = $1`,
      [item.id],
    );
    expect(row.version).toBe(2);
    expect(await lastActivitySeq(app, team.id)).toBe(seq + 1);
  });

  it('refuses an empty change and a bad title with BAD_USER_INPUT, recording nothing', async () => {
    const team = await buildTeam(app);
    const item = await createItem(team.id, team.owner);
    const seq = await lastActivitySeq(app, team.id);
    const empty = await app.gql(UPDATE, { id: item.id, input: {}, v: 1 }, team.owner.token);
    expect(errorCode(empty)).toBe('BAD_USER_INPUT');
    expect(empty.errors![0].extensions!.field).toBe('input');
    const long = await app.gql(
      UPDATE,
      { id: item.id, input: { title: 'x'.repeat(201) }, v: 1 },
      team.owner.token,
    );
    expect(long.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    await expectNoActivitySince(app, team.id, seq);
  });

  it('treats an item of another team exactly like one that does not exist', async () => {
    const mine = await buildTeam(app);
    const theirs = await buildTeam(app);
    const foreign = await createItem(theirs.id, theirs.owner);
    const before = await dataFingerprint(app);
    const a = await app.gql(
      UPDATE,
      { id: foreign.id, input: { title: 'Mine now' } },
      mine.owner.token,
    );
    const b = await app.gql(
      UPDATE,
      { id: '00000000-0000-4000-8000-000000000001', input: { title: 'Ghost' } },
      mine.owner.token,
    );
    expect(errorCode(a)).toBe('FORBIDDEN');
    expect(errorCode(b)).toBe('FORBIDDEN');
    expect(a.errors![0].message).toBe(b.errors![0].message);
    expect(await dataFingerprint(app)).toBe(before);
  });
});

describe('deleteItem', () => {
  it('lets the creator delete and records ITEM_DELETED; the item is then gone', async () => {
    const { team, member } = await buildTeamWithRoles(app);
    const item = await createItem(team.id, member, 'Mine');
    const seq = await lastActivitySeq(app, team.id);
    const response = await app.gql<{ deleteItem: string }>(
      DELETE,
      { id: item.id, v: 1 },
      member.token,
    );
    expect(response.data!.deleteItem).toBe(item.id);
    await expectActivity(app, team.id, {
      action: 'ITEM_DELETED',
      actorId: member.id,
      subjectId: item.id,
      details: { title: 'Mine' },
      afterSeq: seq,
    });
    expect(errorCode(await app.gql(ITEM, { id: item.id }, member.token))).toBe('FORBIDDEN');
  });

  it("refuses a MEMBER deleting someone else's item, recording nothing; an ADMIN may", async () => {
    const { team, owner, admin, member } = await buildTeamWithRoles(app);
    const item = await createItem(team.id, owner);
    const seq = await lastActivitySeq(app, team.id);
    const before = await dataFingerprint(app);
    expect(errorCode(await app.gql(DELETE, { id: item.id }, member.token))).toBe('FORBIDDEN');
    expect(await dataFingerprint(app)).toBe(before);
    await expectNoActivitySince(app, team.id, seq);
    const byAdmin = await app.gql(DELETE, { id: item.id }, admin.token);
    expect(byAdmin.errors).toBeUndefined();
    await expectActivity(app, team.id, {
      action: 'ITEM_DELETED',
      actorId: admin.id,
      afterSeq: seq,
    });
  });

  it('is CONFLICT on a stale expectedVersion and keeps the item', async () => {
    const team = await buildTeam(app);
    const item = await createItem(team.id, team.owner);
    await app.gql(UPDATE, { id: item.id, input: { title: 'v2' }, v: 1 }, team.owner.token);
    const before = await dataFingerprint(app);
    expect(errorCode(await app.gql(DELETE, { id: item.id, v: 1 }, team.owner.token))).toBe(
      'CONFLICT',
    );
    expect(await dataFingerprint(app)).toBe(before);
  });
});

describe('item(id)', () => {
  it('returns the item to members and FORBIDDEN to outsiders and for unknown ids', async () => {
    const { team, member, outsider } = await buildTeamWithRoles(app);
    const item = await createItem(team.id, member, 'Visible', { n: 1 });
    const ok = await app.gql<{ item: ItemData }>(ITEM, { id: item.id }, member.token);
    expect(ok.data!.item).toMatchObject({
      id: item.id,
      title: 'Visible',
      content: { n: 1 },
      version: 1,
    });
    expect(errorCode(await app.gql(ITEM, { id: item.id }, outsider.token))).toBe('FORBIDDEN');
    // Not an id at all: refused at the edge.
    expect(errorCode(await app.gql(ITEM, { id: 'not-a-uuid' }, member.token))).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await app.gql(ITEM, { id: item.id }))).toBe('UNAUTHENTICATED');
  });

  it('checks each alias on its own (no cached permission answer across arguments)', async () => {
    const mine = await buildTeam(app);
    const theirs = await buildTeam(app);
    const a = await createItem(mine.id, mine.owner);
    const b = await createItem(theirs.id, theirs.owner);
    const response = await app.gql<{ a: ItemData | null; b: ItemData | null }>(
      `query ($a: ID!, $b: ID!) { a: item(id: $a) { id } b: item(id: $b) { id } }`,
      { a: a.id, b: b.id },
      mine.owner.token,
    );
    // Item! is non-null, so one denied alias nulls `data`; the error names only that alias.
    expect(response.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['b'], 'FORBIDDEN'],
    ]);
    const alone = await app.gql<{ a: ItemData }>(
      `query ($a: ID!) { a: item(id: $a) { id } }`,
      { a: a.id },
      mine.owner.token,
    );
    expect(alone.data!.a.id).toBe(a.id);
  });
});

describe('Team.items', () => {
  const PAGE = `query ($id: ID!, $first: Int, $after: String) { team(id: $id) { items(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title } } } } }`;
  type PageData = {
    team: {
      items: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        edges: { cursor: string; node: { id: string; title: string } }[];
      };
    };
  };

  it('pages through every item once, oldest first, with a stable total', async () => {
    const team = await buildTeam(app);
    const created: string[] = [];
    for (let i = 0; i < 23; i++)
      created.push((await createItem(team.id, team.owner, `Item ${i}`)).id);
    // Same created_at for two rows: the id breaks the tie, so none is skipped or repeated.
    await app.sql(
      `UPDATE items SET created_at = (SELECT created_at FROM items WHERE id = $1) WHERE id = $2`,
      [created[5], created[6]],
    );
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: { data?: PageData | null } = await app.gql<PageData>(
        PAGE,
        { id: team.id, first: 10, after },
        team.owner.token,
      );
      const { items } = response.data!.team;
      expect(items.totalCount).toBe(23);
      seen.push(...items.edges.map((e) => e.node.id));
      pages += 1;
      if (!items.pageInfo.hasNextPage) break;
      after = items.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(23);
    const ordered = await app.sql<{ id: string }>(
      `SELECT id FROM items WHERE team_id = $1 ORDER BY created_at, id`,
      [team.id],
    );
    expect(seen).toEqual(ordered.map((r) => r.id));
  });

  it('defaults to 20 and answers an empty team with an empty page', async () => {
    const team = await buildTeam(app);
    const empty = await app.gql<PageData>(PAGE, { id: team.id }, team.owner.token);
    expect(empty.data!.team.items).toEqual({
      totalCount: 0,
      pageInfo: { hasNextPage: false, endCursor: null },
      edges: [],
    });
    for (let i = 0; i < 21; i++) await createItem(team.id, team.owner, `N${i}`);
    const page = await app.gql<PageData>(PAGE, { id: team.id }, team.owner.token);
    expect(page.data!.team.items.edges).toHaveLength(20);
    expect(page.data!.team.items.pageInfo.hasNextPage).toBe(true);
  });

  it.each([
    [{ first: 0 }, 'first'],
    [{ first: 101 }, 'first'],
    [{ first: -1 }, 'first'],
    [{ after: 'garbage' }, 'after'],
    [{ after: Buffer.from('["activity",3]').toString('base64url') }, 'after'],
  ])('refuses %j with BAD_USER_INPUT on field %s', async (args, field) => {
    const team = await buildTeam(app);
    const response = await app.gql(PAGE, { id: team.id, ...args }, team.owner.token);
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('only shows the team its own items', async () => {
    const a = await buildTeam(app);
    const b = await buildTeam(app);
    const member = await addMember(app, a, 'MEMBER');
    await createItem(a.id, member, 'In A');
    await createItem(b.id, b.owner, 'In B');
    const page = await app.gql<PageData>(PAGE, { id: a.id }, member.token);
    expect(page.data!.team.items.edges.map((e) => e.node.title)).toEqual(['In A']);
  });
});

import fc from 'fast-check';
import { ItemStatements, type ItemPage, type PageCursor } from '../src/items/item-statements';
import { createLoaders } from '../src/loaders/loaders';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import type { TestUser } from './factories/user.factory';
import { roundTrips } from './support/pg-statements';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Reads that many requests ask for in the same turn (people looking at one team at once) go
 * to PostgreSQL as one statement. What each caller gets back must be exactly what it would
 * have got alone, as its own objects.
 */
let app: TestApp;
let big: TestTeam;
let small: TestTeam;
let editor: TestUser;

beforeAll(async () => {
  app = await startTestApp();
  big = await buildTeam(app, undefined, 'Big team');
  small = await buildTeam(app, undefined, 'Small team');
  editor = await addMember(app, big, 'MEMBER');
  const create = (team: TestTeam, token: string, title: string) =>
    app.gql(
      `mutation ($t: ID!, $title: String!) { createItem(teamId: $t, input: { title: $title }) { id } }`,
      { t: team.id, title },
      token,
    );
  for (let i = 0; i < 12; i++) {
    await create(big, i % 2 ? editor.token : big.owner.token, `Big ${i}`);
  }
  for (let i = 0; i < 4; i++) await create(small, small.owner.token, `Small ${i}`);
});
afterAll(() => app.stop());

/** What a page holds, as ids: its rows in order and its distinct authors. */
const shape = (page: ItemPage) => ({
  ids: page.rows.map(({ item }) => item.id),
  authors: page.authors.map((user) => user.id).sort(),
});

/** The expected page, from a plain ORDER BY over the whole team, sliced here. */
async function expectedPage(teamId: string, limit: number, cursor: PageCursor | null) {
  const rows = await app.sql<{ id: string; created_by_id: string; updated_by_id: string }>(
    `SELECT id, created_by_id, updated_by_id FROM items WHERE team_id = $1 ORDER BY created_at, id`,
    [teamId],
  );
  const start = cursor ? rows.findIndex((row) => row.id === cursor.id) + 1 : 0;
  const page = rows.slice(start, start + limit);
  return {
    ids: page.map((row) => row.id),
    authors: [...new Set(page.flatMap((row) => [row.created_by_id, row.updated_by_id]))].sort(),
  };
}

describe('item pages asked for together', () => {
  it('are one statement, and each is the page asked for', async () => {
    const statements = new ItemStatements(app.app.services.dataSource);
    const everything = await statements.page(big.id, 100, null);
    expect(shape(everything)).toEqual(await expectedPage(big.id, 100, null));
    expect(everything.rows).toHaveLength(12);
    // Cursors at every row of the big team, and "before the first" (null).
    const cursors: (PageCursor | null)[] = [
      null,
      ...everything.rows.map(({ item, cursorAt }) => ({ createdAt: cursorAt, id: item.id })),
    ];
    const ask = fc.record({
      team: fc.constantFrom(big.id, small.id),
      limit: fc.integer({ min: 1, max: 15 }),
      cursor: fc.constantFrom(...cursors),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(ask, { minLength: 1, maxLength: 8 }), async (asks) => {
        const expected = [];
        for (const a of asks) expected.push(await expectedPage(a.team, a.limit, a.cursor));
        let together: ItemPage[] = [];
        const { statements: sent } = await roundTrips(async () => {
          together = await Promise.all(asks.map((a) => statements.page(a.team, a.limit, a.cursor)));
        });
        expect(sent).toHaveLength(1);
        expect(together.map(shape)).toEqual(expected);
        // The same page asked twice is two sets of objects: one caller's changes stay its own.
        for (let i = 0; i < together.length; i++) {
          for (let j = i + 1; j < together.length; j++) {
            const [x, y] = [together[i].rows[0]?.item, together[j].rows[0]?.item];
            if (x && y) expect(x).not.toBe(y);
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a cursor past the last row is an empty page, next to pages that are not', async () => {
    const statements = new ItemStatements(app.app.services.dataSource);
    const { rows } = await statements.page(small.id, 100, null);
    const last = rows.at(-1)!;
    const [empty, full] = await Promise.all([
      statements.page(small.id, 5, { createdAt: last.cursorAt, id: last.item.id }),
      statements.page(small.id, 5, null),
    ]);
    expect(empty).toEqual({ rows: [], authors: [] });
    expect(full.rows.map((r) => r.item.title)).toEqual([
      'Small 0',
      'Small 1',
      'Small 2',
      'Small 3',
    ]);
  });
});

describe('team members asked for by several requests in one turn', () => {
  it('are read once, and every request gets its own memberships and users', async () => {
    const { loaderSources } = app.app.services;
    const viewers = [big.owner.id, editor.id, big.owner.id];
    let answers: Awaited<ReturnType<ReturnType<typeof createLoaders>['members']['load']>>[] = [];
    const { statements } = await roundTrips(async () => {
      answers = await Promise.all(
        viewers.map((viewer) => createLoaders(loaderSources, viewer).members.load(big.id)),
      );
    });
    expect(statements).toHaveLength(1);
    for (const answer of answers) {
      expect(answer.map((m) => m.userId).sort()).toEqual([big.owner.id, editor.id].sort());
    }
    expect(answers[0][0]).not.toBe(answers[1][0]);
    expect(answers[0][0]).toEqual(answers[1][0]);
  });

  it('each request’s user loader is primed with its own copies of the members', async () => {
    const { loaderSources } = app.app.services;
    const [first, second] = [
      createLoaders(loaderSources, big.owner.id),
      createLoaders(loaderSources, editor.id),
    ];
    await Promise.all([first.members.load(big.id), second.members.load(big.id)]);
    const { statements } = await roundTrips(async () => {
      const [a, b] = await Promise.all([first.user.load(editor.id), second.user.load(editor.id)]);
      expect(a?.id).toBe(editor.id);
      expect(a).not.toBe(b);
    });
    expect(statements).toHaveLength(0);
  });
});

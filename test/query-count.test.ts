import { addMember, buildTeam } from './factories/team.factory';
import type { TestUser } from './factories/user.factory';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * N+1: lists resolve their relations (item authors, activity actors, teams) through the
 * per-request DataLoaders, so the number of SQL statements per page does not depend on the
 * page size. Counted at TypeORM's query logger, which sees every statement the server sends.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

async function countQueries(run: () => Promise<unknown>): Promise<number> {
  const spy = jest.spyOn(app.app.services.dataSource.logger, 'logQuery');
  try {
    await run();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

const ITEMS = `query ($id: ID!, $first: Int) { team(id: $id) { items(first: $first) {
  totalCount edges { node { id title createdBy { id displayName } updatedBy { id displayName } team { id name } } } } } }`;
const ACTIVITY = `query ($id: ID!, $first: Int) { team(id: $id) { activity(first: $first) {
  edges { node { seq actor { id displayName } team { id name } } } } } }`;

describe('SQL statements per page', () => {
  let teamId: string;
  let reader: TestUser;

  beforeAll(async () => {
    const team = await buildTeam(app);
    const authors = [
      team.owner,
      await addMember(app, team, 'MEMBER'),
      await addMember(app, team, 'ADMIN'),
    ];
    for (let i = 0; i < 50; i++) {
      const author = authors[i % authors.length];
      const created = await app.gql<{ createItem: { id: string } }>(
        `mutation ($teamId: ID!, $title: String!) { createItem(teamId: $teamId, input: { title: $title }) { id } }`,
        { teamId: team.id, title: `Item ${i}` },
        author.token,
      );
      // Every third item is edited by someone else, so createdBy and updatedBy differ.
      if (i % 3 === 0) {
        await app.gql(
          `mutation ($id: ID!) { updateItem(id: $id, input: { title: "Edited" }) { id } }`,
          { id: created.data!.createItem.id },
          authors[(i + 1) % authors.length].token,
        );
      }
    }
    teamId = team.id;
    reader = team.owner;
    // Warm up: the first request of a session may refresh its last-used time.
    await app.gql(ITEMS, { id: teamId, first: 1 }, reader.token);
  });

  it('a 50-item page with its authors costs the same statements as a 5-item page', async () => {
    const small = await countQueries(async () => {
      const response = await app.gql(ITEMS, { id: teamId, first: 5 }, reader.token);
      expect(response.errors).toBeUndefined();
    });
    let edges = 0;
    const large = await countQueries(async () => {
      const response = await app.gql<{ team: { items: { edges: unknown[] } } }>(
        ITEMS,
        { id: teamId, first: 50 },
        reader.token,
      );
      expect(response.errors).toBeUndefined();
      edges = response.data!.team.items.edges.length;
    });
    expect(edges).toBe(50);
    expect(large).toBe(small);
    // Session, role, team, page, count, authors: a handful, not one per row.
    expect(large).toBeLessThanOrEqual(10);
  });

  it('personal profile fields (checked per author against shared teams) stay batched', async () => {
    const WITH_EMAIL = ITEMS.replace(/createdBy \{ id displayName \}/, 'createdBy { id email }');
    expect(WITH_EMAIL).not.toBe(ITEMS);
    const small = await countQueries(() =>
      app.gql(WITH_EMAIL, { id: teamId, first: 5 }, reader.token),
    );
    let emails: unknown[] = [];
    const large = await countQueries(async () => {
      const response = await app.gql<{
        team: { items: { edges: { node: { createdBy: { email: string | null } } }[] } };
      }>(WITH_EMAIL, { id: teamId, first: 50 }, reader.token);
      emails = response.data!.team.items.edges.map((e) => e.node.createdBy.email);
    });
    expect(emails).toHaveLength(50);
    expect(emails.every((email) => typeof email === 'string')).toBe(true);
    expect(large).toBe(small);
  });

  it('an activity page with actors and teams does not grow with the page size either', async () => {
    const small = await countQueries(() =>
      app.gql(ACTIVITY, { id: teamId, first: 5 }, reader.token),
    );
    const large = await countQueries(async () => {
      const response = await app.gql<{ team: { activity: { edges: unknown[] } } }>(
        ACTIVITY,
        { id: teamId, first: 60 },
        reader.token,
      );
      expect(response.data!.team.activity.edges).toHaveLength(60);
    });
    expect(large).toBe(small);
  });
});

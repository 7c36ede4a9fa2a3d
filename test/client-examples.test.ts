import { runApolloExample } from '../client/examples/apollo-node';
import { teamNameWithUrql } from '../client/examples/urql-node';
import { buildTeam, type TestTeam } from './factories/team.factory';
import { startTestApp, type TestApp } from './support/test-app';

/** The README's Node examples, run against the real server: what real clients hit. */
describe('third-party clients', () => {
  let app: TestApp;
  let team: TestTeam;
  beforeAll(async () => {
    app = await startTestApp();
    team = await buildTeam(app, undefined, 'Examples');
  });
  afterAll(() => app?.stop());

  it('Apollo Client 4 on Node 20: HTTP, a live feed over graphql-ws, CombinedGraphQLErrors', async () => {
    const result = await runApolloExample({
      url: app.url,
      token: team.owner.token,
      teamId: team.id,
    });
    expect(result).toEqual({ teamName: 'Examples', refusedCode: 'FORBIDDEN', liveSeq: 2 });
  });

  it('urql with its defaults is refused by the CSRF guard (GET without content-type)', async () => {
    const result = await teamNameWithUrql(app.url, team.owner.token, team.id, 'defaults');
    expect(result.status).toBe(400);
  });

  it.each(['post', 'get-with-preflight'] as const)('urql works with the %s fix', async (setup) => {
    const result = await teamNameWithUrql(app.url, team.owner.token, team.id, setup);
    expect(result).toEqual({ name: 'Examples' });
  });

  it('accepts a GET query with content-type: application/json, refuses one without', async () => {
    const query = new URL(app.url);
    query.searchParams.set('query', `{ team(id: "${team.id}") { name } }`);
    const auth = { authorization: `Bearer ${team.owner.token}` };
    const json = await fetch(query, { headers: { ...auth, 'content-type': 'application/json' } });
    expect(await json.json()).toEqual({ data: { team: { name: 'Examples' } } });
    const bare = await fetch(query, { headers: { ...auth, accept: 'application/json' } });
    expect(bare.status).toBe(400);
  });
});

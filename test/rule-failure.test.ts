import { randomUUID } from 'node:crypto';
import { buildSchema, graphql } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { shield } from 'graphql-shield';
import { forbidden } from '../src/errors/errors';
import { formatError } from '../src/server/format-error';
import { SHIELD_OPTIONS } from '../schema/permissions';
import { rule } from '../schema/rules/rule';
import { STRONG_PASSWORD } from './factories/user.factory';
import { startLoggedApp, type LoggedApp } from './support/captured-logs';

/**
 * A permission rule that fails (its database read, a bug) is an unexpected error: answered
 * INTERNAL_SERVER_ERROR and logged, never passed off as the caller's FORBIDDEN.
 */
describe('the project rule', () => {
  const schema = buildSchema(
    `type Query { syncThrow: Int, asyncThrow: Int, denied: Int, allowed: Int }`,
  );
  const resolvers = { syncThrow: () => 1, asyncThrow: () => 1, denied: () => 1, allowed: () => 1 };
  const guarded = applyMiddleware(
    schema,
    shield(
      {
        Query: {
          syncThrow: rule()(() => {
            throw new Error('rule broke');
          }),
          asyncThrow: rule()(async () => {
            await Promise.resolve();
            throw new Error('rule broke later');
          }),
          denied: rule()(() => forbidden()),
          allowed: rule()(() => true),
        },
      },
      SHIELD_OPTIONS,
    ),
  );
  const run = async (field: string) => {
    const result = await graphql({ schema: guarded, source: `{ ${field} }`, rootValue: resolvers });
    return {
      data: result.data?.[field],
      codes: (result.errors ?? []).map((e) => formatError(e.toJSON()).extensions?.code),
      messages: (result.errors ?? []).map((e) => e.message),
    };
  };

  it('answers a thrown error as that error (masked later), not as a deny', async () => {
    expect(await run('syncThrow')).toEqual({
      data: null,
      codes: ['INTERNAL_SERVER_ERROR'],
      messages: ['rule broke'],
    });
    expect(await run('asyncThrow')).toEqual({
      data: null,
      codes: ['INTERNAL_SERVER_ERROR'],
      messages: ['rule broke later'],
    });
  });

  it('leaves the denials and permits a rule returns as they were', async () => {
    expect((await run('denied')).codes).toEqual(['FORBIDDEN']);
    expect(await run('allowed')).toEqual({ data: 1, codes: [], messages: [] });
  });
});

describe('a rule whose database read fails', () => {
  let app: LoggedApp;
  beforeAll(async () => {
    app = await startLoggedApp();
  });
  afterAll(() => app?.stop());

  const signUp = async (displayName: string) => {
    const response = await app.post(
      `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`,
      {
        input: {
          email: `rule-${randomUUID()}@example.com`,
          password: STRONG_PASSWORD,
          displayName,
        },
      },
    );
    return (response.body.data!.signUp as { token: string }).token;
  };

  it('is an INTERNAL_SERVER_ERROR that is logged and changes nothing; FORBIDDEN stays for denials', async () => {
    const token = await signUp('Rule');
    const team = await app.post(
      `mutation { createTeam(input: { name: "Rules" }) { id } }`,
      {},
      token,
    );
    const teamId = (team.body.data!.createTeam as { id: string }).id;
    const item = await app.post(
      `mutation ($teamId: ID!) { createItem(teamId: $teamId, input: { title: "before" }) { id } }`,
      { teamId },
      token,
    );
    const itemId = (item.body.data!.createItem as { id: string }).id;
    const UPDATE = `mutation ($id: ID!) { updateItem(id: $id, input: { title: "after" }) { title } }`;
    const db = app.app.services.dataSource;
    const activityRows = async () =>
      Number(
        (
          (await db.query(`SELECT count(*) AS n FROM activities WHERE team_id = $1`, [teamId])) as {
            n: string;
          }[]
        )[0].n,
      );
    const before = await activityRows();

    // The rule reads the item to find its team: take the table away under it.
    await db.query(`ALTER TABLE items RENAME TO items_away`);
    let failed;
    try {
      failed = await app.post(UPDATE, { id: itemId }, token);
    } finally {
      await db.query(`ALTER TABLE items_away RENAME TO items`);
    }
    expect(failed.body.errors?.map((e) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    const requestId = failed.headers.get('x-request-id');
    const logged = app
      .lines()
      .filter((line) => line.requestId === requestId && line.msg === 'unexpected error');
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged[0])).toMatch(/items/);
    expect(await activityRows()).toBe(before);

    // With the table back the same call goes through, and a stranger is still FORBIDDEN.
    const ok = await app.post(UPDATE, { id: itemId }, token);
    expect(ok.body.data).toEqual({ updateItem: { title: 'after' } });
    const strangerToken = await signUp('Other');
    const refused = await app.post(UPDATE, { id: itemId }, strangerToken);
    expect(refused.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

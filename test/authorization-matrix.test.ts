import { readdirSync } from 'node:fs';
import path from 'node:path';
import { isObjectType } from 'graphql';
import { buildBareSchema } from '../src/server/graphql/build-schema';
import { addMember, buildTeam } from './factories/team.factory';
import { CALLERS, type Caller, type MatrixCase, type World } from './support/authz-matrix';
import { dataFingerprint } from './support/counts';
import { insertUser } from './support/fast-users';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * docs/THREAT-MODEL.md H16: every operation × every kind of caller gets the result the contract's
 * tables say. Cases live in test/matrix/<domain>.matrix.ts.
 *
 * Building a world is most of a case's time, so cases share one until something may have changed
 * it: a mutation that succeeded. Queries and refused mutations change nothing (a refused mutation
 * is checked to leave every row as it was), so the next case finds the world as it was built.
 */
const matrixDir = path.join(__dirname, 'matrix');
const cases: MatrixCase[] = readdirSync(matrixDir)
  .filter((file) => file.endsWith('.matrix.ts'))
  .sort()
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- cases are discovered at run time
  .flatMap((file) => (require(path.join(matrixDir, file)) as { cases: MatrixCase[] }).cases);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

async function buildWorld(): Promise<World> {
  const owner = await insertUser(app);
  const team = await buildTeam(app, owner, 'Matrix team');
  const admin = await addMember(app, team, 'ADMIN', await insertUser(app));
  const member = await addMember(app, team, 'MEMBER', await insertUser(app));
  const target = await addMember(app, team, 'MEMBER', await insertUser(app));
  const outsider = await insertUser(app);
  // Removed and revoked through the API, as they happen in real life.
  const removedMember = await addMember(app, team, 'MEMBER', await insertUser(app));
  const removal = await app.gql(
    `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
    { t: team.id, u: removedMember.id },
    owner.token,
  );
  if (removal.errors) throw new Error(JSON.stringify(removal.errors));
  const revokedSession = await addMember(app, team, 'MEMBER', await insertUser(app));
  await app.gql(`mutation { logOut }`, {}, revokedSession.token);
  const users = {
    OWNER: owner,
    ADMIN: admin,
    MEMBER: member,
    outsider,
    removedMember,
    revokedSession,
  };
  return {
    app,
    team,
    users,
    target,
    tokenOf: (caller: Caller) => (caller === 'anonymous' ? null : users[caller].token),
  };
}

/** The world the next case may use; dropped after a mutation that succeeded. */
let unchangedWorld: World | null = null;
async function worldForCase(): Promise<World> {
  unchangedWorld ??= await buildWorld();
  return unchangedWorld;
}

describe('authorization matrix', () => {
  it('has cases for every root field of the schema', () => {
    const schema = buildBareSchema();
    const fields = [schema.getQueryType(), schema.getMutationType()]
      .filter((t) => t && isObjectType(t))
      .flatMap((t) => Object.keys(t!.getFields()));
    const covered = new Set(cases.map((c) => c.operation));
    expect(fields.filter((f) => !covered.has(f))).toEqual([]);
  });

  describe.each(cases.map((c) => [c.operation, c] as const))('%s', (_operation, matrixCase) => {
    it.each(CALLERS.map((caller) => [caller, matrixCase.expect[caller]] as const))(
      'as %s → %s',
      async (caller, expected) => {
        const world = await worldForCase();
        // Dropped before the call, so a failing case cannot hand a changed world to the next.
        if (matrixCase.mutation && expected === 'ok') unchangedWorld = null;
        const prepared = (await matrixCase.prepare?.(world, caller)) ?? {};
        const variables = { ...(matrixCase.variables?.(world, caller) ?? {}), ...prepared };
        const before = matrixCase.mutation && expected !== 'ok' ? await dataFingerprint(app) : null;
        const response = await app.gql(matrixCase.document, variables, world.tokenOf(caller));
        if (matrixCase.mutation && !response.errors) unchangedWorld = null;
        if (expected === 'ok') {
          expect(response.errors).toBeUndefined();
        } else {
          expect(response.errors?.map((e) => e.extensions?.code)).toEqual([expected]);
          if (before !== null) expect(await dataFingerprint(app)).toBe(before);
        }
      },
    );
  });
});

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { isObjectType } from 'graphql';
import { buildBareSchema } from '../src/server/graphql/build-schema';
import { CALLERS, type Expected, type MatrixCase, type World } from './support/authz-matrix';
import { dataFingerprint } from './support/counts';
import { buildMatrixWorld, buildMatrixWorlds } from './support/matrix-world';
import { startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';
import { worldFingerprint } from './support/world-fingerprint';

/**
 * docs/THREAT-MODEL.md H16: every operation × every kind of caller gets the result the contract's
 * tables say. Cases live in test/matrix/<domain>.matrix.ts.
 *
 * Building a world is most of a case's time. Read-only cases — queries and mutations meant to be
 * refused, with nothing to prepare — share one world; the last test proves they left it as it
 * was built (and each refused mutation is checked to leave every row as it was). A case that may
 * change its world — one that prepares rows first, or a mutation meant to succeed — gets a world
 * of its own. An operation's own worlds are built together just before its cases, a few at a
 * time: side by side they take less than half as long, and the database, which every refused
 * mutation fingerprints, grows no faster than the cases need.
 */
const matrixDir = path.join(__dirname, 'matrix');
const cases: MatrixCase[] = readdirSync(matrixDir)
  .filter((file) => file.endsWith('.matrix.ts'))
  .sort()
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- cases are discovered at run time
  .flatMap((file) => (require(path.join(matrixDir, file)) as { cases: MatrixCase[] }).cases);

/** Whether a case may change the world it runs in. */
const changesWorld = (matrixCase: MatrixCase, expected: Expected): boolean =>
  matrixCase.prepare !== undefined ||
  ((matrixCase.mutation === true || matrixCase.writesWhenAllowed === true) && expected === 'ok');

let app: TestApp;
let sharedWorld: World;
let sharedWorldAsBuilt: string;
beforeAll(async () => {
  app = await startTestApp();
  sharedWorld = await buildMatrixWorld(app);
  sharedWorldAsBuilt = await worldFingerprint(sharedWorld);
});
afterAll(() => app.stop());

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
    /** Worlds for this case's callers who may change theirs, built side by side, one each. */
    let ownWorlds: World[] = [];
    beforeAll(async () => {
      const count = CALLERS.filter((c) => changesWorld(matrixCase, matrixCase.expect[c])).length;
      ownWorlds = await buildMatrixWorlds(app, count);
    });

    it.each(CALLERS.map((caller) => [caller, matrixCase.expect[caller]] as const))(
      'as %s → %s',
      async (caller, expected) => {
        const world = changesWorld(matrixCase, expected) ? ownWorlds.pop()! : sharedWorld;
        const prepared = (await matrixCase.prepare?.(world, caller)) ?? {};
        const variables = { ...(matrixCase.variables?.(world, caller) ?? {}), ...prepared };
        const before = matrixCase.mutation && expected !== 'ok' ? await dataFingerprint(app) : null;
        const response = await app.gql(matrixCase.document, variables, world.tokenOf(caller));
        if (expected === 'ok') {
          expect(response.errors).toBeUndefined();
          const { finished } = matrixCase;
          if (finished) await waitUntil(() => finished(world), `${matrixCase.operation} to finish`);
        } else {
          expect(response.errors?.map((e) => e.extensions?.code)).toEqual([expected]);
          if (before !== null) expect(await dataFingerprint(app)).toBe(before);
        }
      },
    );
  });

  it('leaves the world the read-only cases share as it was built', async () => {
    expect(await worldFingerprint(sharedWorld)).toBe(sharedWorldAsBuilt);
  });
});

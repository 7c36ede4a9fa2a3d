import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import { useMailingApp } from './support/mailing-app';
import { modelCommand } from './model/model-commands';
import { runModel } from './model/model-run';
import { MUTATION_NAMES } from './model/mutation-table';
import { REGRESSIONS } from './model/regressions';
import { World } from './model/world';

/**
 * Generated sequences of every mutation of the schema, run against a real server over HTTP
 * and WebSocket with a real SMTP inbox, compared after each step with the model of the
 * promises (test/model/).
 */
const suite = useMailingApp();
let world: World;
beforeAll(() => {
  world = new World([suite.app], suite.inbox);
});

describe('the model covers the schema', () => {
  it('has a command for every mutation of schema/schema.graphql', () => {
    const sdl = readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8');
    const mutations = Object.keys(buildSchema(sdl).getMutationType()?.getFields() ?? {});
    expect(mutations.filter((name) => !MUTATION_NAMES.includes(name))).toEqual([]);
    expect(MUTATION_NAMES.filter((name) => !mutations.includes(name))).toEqual([]);
  });
});

describe('generated sequences keep the promises', () => {
  it('agree with the model after every step, and every feed gets exactly what it is owed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands([modelCommand], { maxCommands: 25, size: 'max' }), (commands) =>
        runModel(world, commands),
      ),
      { ...fuzzSeed(29), numRuns: fuzzRuns(4), endOnFailure: !process.env.FUZZ_SHRINK },
    );
  }, 600_000);
});

describe('shrunk failures, kept', () => {
  it.each(REGRESSIONS.map((r) => [r.name, r] as const))(
    '%s',
    async (_name, regression) => {
      await runModel(world, regression.commands());
    },
    120_000,
  );
});

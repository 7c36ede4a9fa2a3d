import fc from 'fast-check';
import { GroupCommand, MutationCommand, aimedAt } from './model-commands';
import { MUTATION_NAMES } from './mutation-table';
import { picksArbitrary } from './mutation-spec';

/** Every unordered pair of the schema's mutations, each with itself too. */
export function everyPair(names: readonly string[] = MUTATION_NAMES): [string, string][] {
  return names.flatMap((a, i) => names.slice(i).map((b): [string, string] => [a, b]));
}

/**
 * The pairs as groups sent at once, with picks fixed by a seed (so the list is the same on
 * every run), cut into model runs of `perRun` pairs each.
 */
export function pairRuns(pairs: [string, string][], perRun: number): GroupCommand[][] {
  const picks = fc.sample(picksArbitrary, { seed: 29, numRuns: pairs.length * 2 });
  const groups = pairs.map(
    ([a, b], i) =>
      new GroupCommand([
        new MutationCommand(a, picks[2 * i]),
        // The second aims at the first: same team, item and invitation, and at its person.
        new MutationCommand(b, aimedAt(picks[2 * i], picks[2 * i + 1], 1 + (i % 3))),
      ]),
  );
  const runs: GroupCommand[][] = [];
  for (let i = 0; i < groups.length; i += perRun) runs.push(groups.slice(i, i + perRun));
  return runs;
}

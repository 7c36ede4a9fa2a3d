import { compareState } from './compare-state';
import { MUTATIONS } from './mutation-table';
import { describe, lostRace, matching, ServedReader, type Observation } from './observe';
import { cloneModel, type Model } from './promises';
import type { World } from './world';

/** Every order of `items` (a group is small: at most 4, so 24 orders). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * Requests sent at once are right when they end as some serial order of them would have
 * (API.md, "Requests that meet"): each order is played on a copy of the model; the first whose
 * answers are the server's and whose resulting state the server holds becomes the model.
 * Throws with every order's reason when none fits.
 */
export async function explainAsSerialOrder(
  world: World,
  model: Model,
  observations: Observation[],
): Promise<void> {
  const reader = new ServedReader(world);
  const reasons: string[] = [];
  for (const order of permutations(observations.map((_, i) => i))) {
    const next = cloneModel(model);
    let refused: string | null = null;
    let changed = false;
    for (const index of order) {
      const o = observations[index];
      const outcomes = MUTATIONS[o.name].expect(next, o.intent);
      const outcome =
        matching(outcomes, o) ?? (observations.length > 1 ? lostRace(outcomes, o) : undefined);
      if (!outcome) {
        refused = describe(o, outcomes);
        break;
      }
      if (!outcome.ok) continue;
      changed = true;
      try {
        outcome.apply(next, await reader.read(o, index, outcome));
      } catch (error) {
        refused = `${o.name}: ${String(error)}`;
        break;
      }
    }
    // Refusals change nothing, so the state is compared after successes (and at the end of a
    // run): anything a refusal did change shows there.
    const differences = refused ? [refused] : changed ? await compareState(world, next) : [];
    if (!differences.length) {
      Object.assign(model, next);
      return;
    }
    const names = order.map((i) => observations[i].name).join(' → ');
    reasons.push(`in the order ${names}:\n  ${differences.join('\n  ')}`);
  }
  throw new Error(`no serial order explains the outcome:\n${reasons.join('\n')}`);
}

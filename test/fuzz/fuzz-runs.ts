/**
 * How long the generated-input suites run. `npm test` runs each at its base size; `npm run
 * fuzz` sets FUZZ_RUNS (runs per site at scale 1 are 5) and may fix FUZZ_SEED.
 */
const BASE_RUNS = 5;

function integerFrom(name: string, min: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}, not "${raw}"`);
  }
  return value;
}

/** `base` runs, scaled by FUZZ_RUNS ÷ 5. */
export const fuzzRuns = (base: number): number =>
  Math.ceil((base * (integerFrom('FUZZ_RUNS', 1) ?? BASE_RUNS)) / BASE_RUNS);

/**
 * fast-check's seed option: FUZZ_SEED, else `fallback`; with neither, none (fast-check draws
 * one and prints it with any failure).
 */
export function fuzzSeed(fallback?: number): { seed?: number } {
  const seed = integerFrom('FUZZ_SEED', Number.MIN_SAFE_INTEGER) ?? fallback;
  return seed === undefined ? {} : { seed };
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values` (not modified). */
export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  const count = sorted.length;
  if (!count) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const at = (p: number) =>
    sorted[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))];
  let total = 0;
  for (const v of sorted) total += v;
  return {
    count,
    mean: total / count,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: sorted[count - 1],
  };
}

export const round = (value: number, digits = 1): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
}

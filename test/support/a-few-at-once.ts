/**
 * `work` applied to every item, at most `atOnce` at a time, results in the items' order. After a
 * failure no further item starts; the ones under way finish, then the first failure is thrown,
 * so nothing is still running when the caller's clean-up begins.
 */
export async function aFewAtOnce<T, R>(
  items: readonly T[],
  atOnce: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  const failures: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length && !failures.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
  if (failures.length) throw failures[0];
  return results;
}

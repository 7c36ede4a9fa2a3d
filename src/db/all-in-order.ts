/**
 * Awaits statements that were sent together (on a transaction's pipelined connection, one
 * round trip) and fails as the first of them in sending order failed, as if each had been
 * awaited in turn: an earlier refusal (a deleted account, say) wins over a later one.
 */
export async function allInOrder<T extends readonly unknown[]>(
  sent: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const settled = await Promise.allSettled(sent);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

import { isDeepStrictEqual } from 'node:util';

/**
 * Resolves once `read()` gives `expected` — polling a state the system reports (a metric, a
 * Redis counter), a signal rather than a fixed sleep; fails after `timeoutMs` naming `what`
 * and the last value read.
 */
export async function untilEqual<T>(
  read: () => Promise<T>,
  expected: T,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDeepStrictEqual(value, expected)) return;
    if (Date.now() > deadline) {
      throw new Error(`${what}: ${JSON.stringify(value)}, not ${JSON.stringify(expected)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

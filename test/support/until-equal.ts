import { isDeepStrictEqual } from 'node:util';
import { waitUntil } from './wait-until';

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
  let last: T | undefined;
  await waitUntil(
    async () => isDeepStrictEqual((last = await read()), expected),
    () => `${what}: ${JSON.stringify(last)}, not ${JSON.stringify(expected)}`,
    timeoutMs,
  );
}

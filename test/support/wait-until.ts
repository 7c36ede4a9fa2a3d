/**
 * Waits until `check` holds, re-checking it every few milliseconds: for state the tests can
 * only read (a gauge, a row, a listener count), never to let time pass. Fails after
 * `timeoutMs`, naming what it waited for (`what` may be a function, to name the last state seen).
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const named = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${named}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What `withTimeout` rejects with when the wait ran out (the work itself may still finish). */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';

  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`timed out after ${ms} ms waiting for ${what}`);
  }
}

/**
 * Settles as `work` does, or rejects with a TimeoutError once `ms` have passed. The timer is
 * cleared whichever way the race ends, and never keeps the process alive on its own.
 */
export function withTimeout<T>(work: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms).unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

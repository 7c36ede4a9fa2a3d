export interface BackoffOptions {
  /** First delay, in ms (default 500). */
  initialMs?: number;
  /** Longest delay, in ms (default 15 s). */
  maxMs?: number;
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so a fleet of
 * clients dropped together by a restart does not come back in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 15_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

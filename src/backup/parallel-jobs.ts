/**
 * Runs `work` once per session at the same time (each pulls from a shared queue). The first
 * failure aborts `stop` so the others give up at their next step; resolves or rejects only when
 * every one has stopped, with the first failure.
 */
export async function runOnEach<S>(
  sessions: S[],
  work: (session: S, stop: AbortSignal) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const outcomes = await Promise.allSettled(
      sessions.map(async (session) => {
        try {
          await work(session, stop.signal);
        } catch (error) {
          if (!stop.signal.aborted) stop.abort(error);
          throw error;
        }
      }),
    );
    if (outcomes.some((o) => o.status === 'rejected')) throw stop.signal.reason;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

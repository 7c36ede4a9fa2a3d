import type { Logger } from '../logging/logger';
import type { IdempotencyStore } from './idempotency-store';

const EVERY_MS = 60 * 60 * 1000;

/** Deletes expired idempotency keys at start and hourly; returns the stop function. */
export function startIdempotencyPruner(store: IdempotencyStore, logger: Logger): () => void {
  const prune = () =>
    store.prune().then(
      (count) => {
        if (count)
          logger.info({ event: 'idempotency.pruned', count }, 'expired idempotency keys deleted');
      },
      (error: unknown) =>
        logger.warn({ event: 'idempotency.prune_failed', err: error }, 'idempotency prune failed'),
    );
  void prune();
  const timer = setInterval(() => void prune(), EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

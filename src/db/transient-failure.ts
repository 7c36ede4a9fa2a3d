import { conflict } from '../errors/errors';

/**
 * SQLSTATEs PostgreSQL gives a transaction that lost to another one and did nothing: a
 * deadlock it broke (40P01) and a serialization failure (40001). Run again, it can succeed.
 */
const TRANSIENT_CODES = new Set(['40P01', '40001']);

/** Transient failures this process met, by kind, each retried (see `/metrics`). */
const seen = { deadlocks: 0, serializationFailures: 0 };

export const transientFailuresSeen = (): Readonly<typeof seen> => ({ ...seen });

/** How many times a transaction is run in all before its caller is told to try again. */
export const TRANSACTION_ATTEMPTS = 5;

/** The SQLSTATE of a database error (TypeORM's QueryFailedError or pg's own), if any. */
function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  const state = code ?? driverError?.code;
  return typeof state === 'string' ? state : undefined;
}

export function isTransientFailure(error: unknown): boolean {
  return TRANSIENT_CODES.has(sqlState(error) ?? '');
}

/**
 * Runs `attempt` again, a bounded number of times, while it fails transiently; a short random
 * pause first lets the winner finish, so the two do not meet the same way again. When every
 * attempt lost, the caller gets CONFLICT: the database error itself never reaches a client.
 */
export async function retryingTransientFailures<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransientFailure(error)) throw error;
      if (sqlState(error) === '40P01') seen.deadlocks += 1;
      else seen.serializationFailures += 1;
      if (n >= TRANSACTION_ATTEMPTS) {
        throw conflict('This request met others changing the same data; try it again.');
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * n));
    }
  }
}

import { AsyncLocalStorage } from 'node:async_hooks';

const requestIds = new AsyncLocalStorage<string>();

/**
 * Runs `work` (and everything it starts) as part of one request, so lines logged by code that
 * is handed no context (a library's own logger) still name the request they belong to.
 */
export const inRequestScope = <T>(requestId: string, work: () => T): T =>
  requestIds.run(requestId, work);

/** The id of the request the current code runs for, if any. */
export const currentRequestId = (): string | null => requestIds.getStore() ?? null;

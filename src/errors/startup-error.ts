/**
 * A start-up failure the operator can fix (unreachable database, a directory the database
 * user cannot reach): its message is one line saying why and what to do, and the process
 * exits 2 without a stack trace.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** Exit status of a start-up the configuration or the machine prevents (as for bad config). */
export const EXIT_STARTUP = 2;

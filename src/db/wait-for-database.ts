import { standaloneClient } from './standalone-client';
import { StartupError } from '../errors/startup-error';
import type { Logger } from '../logging/logger';

/** Errors that mean "not up yet": worth another try. Anything else (a wrong password) is not. */
const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // PostgreSQL: starting up, shutting down, too many connections.
  '57P03',
  '57P01',
  '53300',
]);

const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 5_000;

/**
 * Waits for the PostgreSQL at `url` to accept a connection, retrying with exponential backoff
 * for at most `timeoutMs`; then fails with one line naming the host and port and pointing to
 * DATABASE_URL (a StartupError: the process exits 2).
 */
export async function waitForDatabase(url: string, timeoutMs: number, logger: Logger) {
  const { hostname, port } = new URL(url);
  const where = `${hostname || 'localhost'}:${port || '5432'}`;
  const started = Date.now();
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt += 1) {
    const left = timeoutMs - (Date.now() - started);
    const error = await tryConnect(url, Math.max(500, Math.min(left, 5_000)));
    if (!error) return;
    const code = codeOf(error);
    const transient = TRANSIENT.has(code);
    if (!transient || Date.now() - started + delay > timeoutMs) {
      const after = transient ? ` after ${Math.round((Date.now() - started) / 1000)} s` : '';
      throw new StartupError(
        `cannot reach PostgreSQL at ${where}${after} (${code}: ${firstLine(error)}); check DATABASE_URL and that the server is up${transient ? ' (DB_CONNECT_TIMEOUT sets how long to wait)' : ''}`,
      );
    }
    logger.warn(
      { event: 'db.unreachable', host: where, code, attempt, retryInMs: delay },
      'PostgreSQL not reachable yet; retrying',
    );
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

async function tryConnect(url: string, timeoutMs: number): Promise<unknown> {
  const client = standaloneClient({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.end();
    return null;
  } catch (error) {
    await client.end().catch(() => undefined);
    return error;
  }
}

function codeOf(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  if (code) return code;
  // pg reports its own connect timeout without a code.
  return /timeout/i.test(message ?? '') ? 'ETIMEDOUT' : 'ERROR';
}

const firstLine = (error: unknown) =>
  String((error as Error).message ?? error)
    .split('\n')[0]
    .slice(0, 200) || 'no answer';

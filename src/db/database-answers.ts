import { standaloneClient } from './standalone-client';

/** True when a PostgreSQL server accepts a connection at `url` within `timeoutMs`. */
export async function databaseAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = standaloneClient({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

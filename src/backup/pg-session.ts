import type { Client } from 'pg';
import { standaloneClient } from '../db/standalone-client';

/**
 * A dedicated connection for COPY. Output settings are pinned so a table's COPY text is
 * byte-identical on the source and on a restored copy (checksums compare across servers).
 */
export async function openBackupSession(url: string): Promise<Client> {
  const client = standaloneClient({ connectionString: url, application_name: 'teamgraph-backup' });
  await client.connect();
  try {
    await client.query(
      `SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres';
       SET extra_float_digits = 3; SET bytea_output = 'hex'; SET client_encoding = 'UTF8'`,
    );
  } catch (error) {
    await client.end();
    throw error;
  }
  return client;
}

/** Name and timestamp of the newest applied migration: the schema a backup belongs to. */
export async function latestMigration(
  client: Client,
): Promise<{ timestamp: number; name: string }> {
  const { rows } = await client.query<{ timestamp: string; name: string }>(
    'SELECT "timestamp", name FROM migrations ORDER BY "timestamp" DESC, id DESC LIMIT 1',
  );
  if (!rows.length) throw new Error('the database has no applied migrations');
  return { timestamp: Number(rows[0].timestamp), name: rows[0].name };
}

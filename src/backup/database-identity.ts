import type { ClientBase } from 'pg';
import { z } from 'zod';

/**
 * Which database a backup came from: PostgreSQL's system identifier (one per cluster, fixed at
 * initdb, so a new server with the same name is another database) and the database's name.
 */
export const databaseIdentitySchema = z.object({
  systemIdentifier: z.string().regex(/^\d{1,20}$/),
  name: z.string().min(1).max(63),
});

export type DatabaseIdentity = z.infer<typeof databaseIdentitySchema>;

export async function readDatabaseIdentity(client: ClientBase): Promise<DatabaseIdentity> {
  const { rows } = await client.query<{ system_identifier: string; name: string }>(
    'SELECT system_identifier::text AS system_identifier, current_database() AS name FROM pg_control_system()',
  );
  return { systemIdentifier: rows[0].system_identifier, name: rows[0].name };
}

/** One spelling per database, for grouping and comparing. */
export const identityKey = (identity: DatabaseIdentity | undefined): string =>
  identity ? `${identity.systemIdentifier}/${identity.name}` : 'unknown';

export const describeIdentity = (identity: DatabaseIdentity | undefined): string =>
  identity
    ? `database "${identity.name}" (system ${identity.systemIdentifier})`
    : 'an unrecorded database';

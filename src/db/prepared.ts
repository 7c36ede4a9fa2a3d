import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Pool, QueryResultRow } from 'pg';

/**
 * A named statement: PostgreSQL parses and plans it once per connection and afterwards only
 * binds parameters, and no SQL text is built per call. For the statements every request runs.
 */
export interface Prepared {
  name: string;
  text: string;
}

/**
 * A statement whose text varies by call (a change with its activity row, say). Named when its
 * texts are few (their name derived from the text, `namedByText`), so each is planned once per
 * connection like a `Prepared`.
 */
export interface Statement {
  text: string;
  values: unknown[];
  name?: string;
}

/**
 * The name of a statement built from a template with few forms: one per distinct text, so the
 * same name never stands for two texts. Only for texts without values in them, or each would
 * stay prepared on every connection.
 */
export const namedByText = (kind: string, text: string): string =>
  preparedName(`${kind}_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`);

/** The name PostgreSQL knows a prepared statement by (`EXPLAIN EXECUTE <name>(…)`). */
export const preparedName = (name: string): string => `tg_${name}`;

export const prepared = (name: string, text: string): Prepared => ({
  name: preparedName(name),
  text: text.replace(/\s+/g, ' ').trim(),
});

/** The pg pool behind the DataSource (TypeORM's PostgresDriver keeps it as `master`). */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/** Runs a prepared statement on the pool; logged like every TypeORM statement. */
export async function query<R extends QueryResultRow>(
  dataSource: DataSource,
  statement: Prepared,
  values: unknown[],
): Promise<R[]> {
  dataSource.logger.logQuery(statement.text, values);
  const result = await poolOf(dataSource).query<R>({ ...statement, values });
  return result.rows;
}

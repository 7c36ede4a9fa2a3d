import type { TestApp } from './test-app';

/** Every application table (the migrations table aside). */
export const APP_TABLES = [
  'users',
  'sessions',
  'teams',
  'memberships',
  'invitations',
  'items',
  'activities',
  'activity_checkpoints',
  'checkpoint_witnesses',
  'checkpoint_signing_keys',
  'account_tokens',
  'recovery_codes',
];

/** Row counts of every application table, to prove a denied call changed nothing. */
export async function tableCounts(app: TestApp): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of APP_TABLES) {
    const [row] = await app.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    counts[table] = Number(row.n);
  }
  return counts;
}

/**
 * A fingerprint of every row of the data tables: any change to any row changes it. One statement,
 * since callers take it around every refused mutation.
 */
export async function dataFingerprint(app: TestApp): Promise<string> {
  // Sessions last, by id and revocation only: any authenticated call moves last_used_at.
  const hashes = APP_TABLES.filter((t) => t !== 'sessions').map(
    (table) =>
      `'${table}:' || coalesce((SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ${table} t), 'empty')`,
  );
  hashes.push(
    `'sessions:' || coalesce((SELECT md5(string_agg(id::text || coalesce(revoked_at::text, ''), '|' ORDER BY id)) FROM sessions), 'empty')`,
  );
  const [row] = await app.sql<{ fingerprint: string }>(
    `SELECT ${hashes.join(` || ';' || `)} AS fingerprint`,
  );
  return row.fingerprint;
}

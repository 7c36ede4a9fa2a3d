import type { DataSource } from 'typeorm';
import type { SecretKeys } from './sealed-secrets';

/** Rows sealed per statement; a large table is done in several. */
const BATCH = 500;

interface SecretRow {
  id: string;
  two_factor_secret: string | null;
  two_factor_pending_secret: string | null;
}

/**
 * Seals, under the current key, every TOTP secret not sealed with it yet: those stored in plain
 * text before secrets were sealed, and those sealed with a key a rotation has retired. Runs at
 * every start-up (cheap when nothing is left) and returns how many rows it sealed. Instances
 * starting together may both try a row: each update applies only to the value it read.
 */
export async function sealStoredSecrets(dataSource: DataSource, keys: SecretKeys): Promise<number> {
  const current = `sealed:v1:${keys.currentId}:%`;
  let sealed = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows: SecretRow[] = await dataSource.query(
      `SELECT id, two_factor_secret, two_factor_pending_secret FROM users
        WHERE id > $1
          AND (two_factor_secret NOT LIKE $2 OR two_factor_pending_secret NOT LIKE $2)
        ORDER BY id LIMIT ${BATCH}`,
      [after, current],
    );
    if (rows.length === 0) return sealed;
    after = rows[rows.length - 1].id;
    for (const row of rows) {
      const reseal = (value: string | null) =>
        value === null || keys.isCurrent(value) ? value : keys.seal(keys.open(value));
      const result: [unknown, number] = await dataSource.query(
        `UPDATE users SET two_factor_secret = $4, two_factor_pending_secret = $5
          WHERE id = $1 AND two_factor_secret IS NOT DISTINCT FROM $2
            AND two_factor_pending_secret IS NOT DISTINCT FROM $3`,
        [
          row.id,
          row.two_factor_secret,
          row.two_factor_pending_secret,
          reseal(row.two_factor_secret),
          reseal(row.two_factor_pending_secret),
        ],
      );
      if (result[1] === 1) sealed += 1;
    }
  }
}

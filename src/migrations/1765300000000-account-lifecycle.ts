import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { computeActivityHash, summaryDigest } from '../db/activity-hash';

/**
 * Account recovery, verified e-mail, deletion and two-factor:
 * - users gain their verification, two-factor and erasure state;
 * - account_tokens holds the e-mailed links (hashed, single use, expiring);
 * - recovery_codes holds the hashed two-factor recovery codes;
 * - teams gain the two-factor policy;
 * - activities seal their summary through a salted digest, so a deleted user's name can be
 *   removed from a summary without breaking the chain. Existing intact chains are re-sealed
 *   in that form; a chain that does not verify is left as it is, so it still reports broken.
 */
export class AccountLifecycle1765300000000 implements MigrationInterface {
  name = 'AccountLifecycle1765300000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN email_verified_at timestamptz,
        ADD COLUMN former_display_names text[] NOT NULL DEFAULT '{}',
        ADD COLUMN two_factor_secret text,
        ADD COLUMN two_factor_pending_secret text,
        ADD COLUMN two_factor_enabled_at timestamptz,
        ADD COLUMN two_factor_last_step bigint,
        ADD COLUMN deleted_at timestamptz`);
    await q.query(`
      CREATE TABLE account_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('PASSWORD_RESET', 'EMAIL_VERIFICATION', 'EMAIL_CHANGE')),
        token_hash text NOT NULL UNIQUE,
        email text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX account_tokens_user_purpose_idx ON account_tokens (user_id, purpose)`,
    );
    await q.query(`
      CREATE TABLE recovery_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        used_at timestamptz,
        CONSTRAINT recovery_codes_user_code_key UNIQUE (user_id, code_hash)
      )`);
    await q.query(
      `ALTER TABLE teams ADD COLUMN two_factor_required boolean NOT NULL DEFAULT false`,
    );
    await q.query(`
      ALTER TABLE activities
        ADD COLUMN summary_salt text,
        ADD COLUMN summary_digest text`);
    await this.resealChains(q);
  }

  /** Re-seals every intact chain with summary digests; broken chains stay broken. */
  private async resealChains(q: QueryRunner): Promise<void> {
    const teams: { id: string; last_hash: string }[] = await q.query(
      `SELECT id, last_hash FROM teams WHERE last_seq > 0`,
    );
    for (const team of teams) {
      const rows: LegacyRow[] = await q.query(
        `SELECT * FROM activities WHERE team_id = $1 ORDER BY seq`,
        [team.id],
      );
      let previous = '';
      let intact = true;
      for (const [index, row] of rows.entries()) {
        const fields = toFields(row);
        if (row.seq !== index + 1 || computeActivityHash(previous, fields) !== row.hash) {
          intact = false;
          break;
        }
        previous = row.hash;
      }
      if (!intact || previous !== team.last_hash) continue;
      previous = '';
      for (const row of rows) {
        const salt = randomBytes(16).toString('hex');
        const digest = summaryDigest(salt, row.summary);
        const hash = computeActivityHash(previous, { ...toFields(row), summaryDigest: digest });
        await q.query(
          `UPDATE activities SET summary_salt = $2, summary_digest = $3, hash = $4 WHERE id = $1`,
          [row.id, salt, digest, hash],
        );
        previous = hash;
      }
      await q.query(`UPDATE teams SET last_hash = $2 WHERE id = $1`, [team.id, previous]);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE activities DROP COLUMN summary_salt, DROP COLUMN summary_digest`);
    await q.query(`ALTER TABLE teams DROP COLUMN two_factor_required`);
    await q.query(`DROP TABLE IF EXISTS recovery_codes`);
    await q.query(`DROP TABLE IF EXISTS account_tokens`);
    await q.query(`
      ALTER TABLE users
        DROP COLUMN email_verified_at,
        DROP COLUMN former_display_names,
        DROP COLUMN two_factor_secret,
        DROP COLUMN two_factor_pending_secret,
        DROP COLUMN two_factor_enabled_at,
        DROP COLUMN two_factor_last_step,
        DROP COLUMN deleted_at`);
  }
}

interface LegacyRow {
  id: string;
  team_id: string;
  seq: number;
  actor_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  summary: string;
  details: Record<string, unknown>;
  created_at: Date;
  hash: string;
}

const toFields = (row: LegacyRow) => ({
  teamId: row.team_id,
  seq: row.seq,
  actorId: row.actor_id,
  action: row.action,
  subjectType: row.subject_type,
  subjectId: row.subject_id,
  summary: row.summary,
  details: row.details,
  createdAt: row.created_at,
});

import { MigrationInterface, QueryRunner } from 'typeorm';
import { canonicalEmail } from '../validation/canonical-email';

/** Stored addresses that may not be canonical: anything beyond printable ASCII. */
const MAYBE_UNCANONICAL = `email !~ '^[\\x21-\\x7e]*$'`;

/**
 * Account security as one sequence:
 * - sessions record when their owner last proved who they are (log-in or `confirmIdentity`),
 *   for recent authentication; existing sessions count from their creation;
 * - account_tokens gain the link that reverts an e-mail change from the old address;
 * - stored addresses take their canonical form (API.md "One address, one spelling").
 *   Accounts in creation order: an address whose canonical form another account already
 *   holds (or took earlier in this pass) keeps its stored spelling, as does one holding
 *   invisible characters; log-in canonicalises what is typed, so such an account signs in
 *   only through its owner resetting the address the link reaches — an operator merges or
 *   removes it. Invitations and pending links follow the same rule without the uniqueness.
 */
export class AccountSecurity1765500000000 implements MigrationInterface {
  name = 'AccountSecurity1765500000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions ADD COLUMN authenticated_at timestamptz`);
    await q.query(`UPDATE sessions SET authenticated_at = created_at`);
    await q.query(`
      ALTER TABLE sessions
        ALTER COLUMN authenticated_at SET NOT NULL,
        ALTER COLUMN authenticated_at SET DEFAULT now()`);
    await q.query(`ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check`);
    await q.query(`
      ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
        CHECK (purpose IN ('PASSWORD_RESET', 'EMAIL_VERIFICATION', 'EMAIL_CHANGE', 'EMAIL_REVERT'))`);
    await this.canonicaliseUsers(q);
    for (const table of ['invitations', 'account_tokens']) {
      const rows: { id: string; email: string }[] = await q.query(
        `SELECT id, email FROM ${table} WHERE ${MAYBE_UNCANONICAL}`,
      );
      for (const row of rows) {
        const canonical = canonicalOrNull(row.email);
        if (canonical && canonical !== row.email) {
          await q.query(`UPDATE ${table} SET email = $2 WHERE id = $1`, [row.id, canonical]);
        }
      }
    }
  }

  private async canonicaliseUsers(q: QueryRunner): Promise<void> {
    const rows: { id: string; email: string }[] = await q.query(
      `SELECT id, email FROM users WHERE ${MAYBE_UNCANONICAL} ORDER BY created_at, id`,
    );
    for (const row of rows) {
      const canonical = canonicalOrNull(row.email);
      if (!canonical || canonical === row.email) continue;
      await q.query(
        `UPDATE users SET email = $2 WHERE id = $1
           AND NOT EXISTS (SELECT 1 FROM users WHERE email = $2)`,
        [row.id, canonical],
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM account_tokens WHERE purpose = 'EMAIL_REVERT'`);
    await q.query(`ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check`);
    await q.query(`
      ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
        CHECK (purpose IN ('PASSWORD_RESET', 'EMAIL_VERIFICATION', 'EMAIL_CHANGE'))`);
    await q.query(`ALTER TABLE sessions DROP COLUMN authenticated_at`);
  }
}

function canonicalOrNull(email: string): string | null {
  try {
    return canonicalEmail('email', email);
  } catch {
    return null;
  }
}

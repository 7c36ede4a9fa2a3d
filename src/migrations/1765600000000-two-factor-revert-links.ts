import { MigrationInterface, QueryRunner } from 'typeorm';

const PURPOSES = ['PASSWORD_RESET', 'EMAIL_VERIFICATION', 'EMAIL_CHANGE', 'EMAIL_REVERT'];

const purposeCheck = (purposes: string[]) => `
  ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN (${purposes.map((p) => `'${p}'`).join(', ')}))`;

/**
 * account_tokens gain the link that the "two-factor turned on" notice carries, which turns
 * that enrolment off again (revertTwoFactorSetup).
 */
export class TwoFactorRevertLinks1765600000000 implements MigrationInterface {
  name = 'TwoFactorRevertLinks1765600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check`);
    await q.query(purposeCheck([...PURPOSES, 'TWO_FACTOR_REVERT']));
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM account_tokens WHERE purpose = 'TWO_FACTOR_REVERT'`);
    await q.query(`ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check`);
    await q.query(purposeCheck(PURPOSES));
  }
}

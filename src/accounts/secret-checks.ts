import type { DataSource, EntityManager } from 'typeorm';
import { RecoveryCode } from '../../entities/recovery-code.entity';
import { User } from '../../entities/user.entity';
import { verifyPassword } from '../auth/password-hasher';
import { PASSWORD_MAX_LENGTH } from '../auth/password-policy';
import { recoveryCodeHash, looksLikeRecoveryCode } from '../auth/recovery-codes';
import { acceptedTotpStep } from '../auth/totp';
import { badInput, conflict } from '../errors/errors';
import type { RateLimits } from '../rate-limit/rate-limits';

/**
 * Secrets are checked before the account's lock (argon2 is slow, and the lock is short), so a
 * command re-reads how the account signs in once it holds the lock: a password or second
 * factor that changed meanwhile (another request of the same session, say) would let the
 * command through on what no longer signs in. CONFLICT then, and the command does nothing;
 * its retry checks the secrets as they are now.
 */
export async function requireSignInUnchanged(tx: EntityManager, checked: User): Promise<User> {
  const locked = await tx.getRepository(User).findOneByOrFail({ id: checked.id });
  if (
    locked.passwordHash !== checked.passwordHash ||
    Boolean(locked.twoFactorEnabledAt) !== Boolean(checked.twoFactorEnabledAt)
  )
    throw conflict('How this account signs in changed meanwhile; try again.');
  return locked;
}

/**
 * Every check of an account's secrets (password, TOTP code, recovery code) outside log-in
 * spends the same per-account budget as log-in's wrong passwords, so no operation becomes a
 * cheaper oracle for guessing either one.
 */
export class SecretChecks {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rateLimits: RateLimits,
  ) {}

  /** BAD_USER_INPUT on `field` when wrong; RATE_LIMITED once the account's budget is spent. */
  async requirePassword(user: User, password: string, field: string): Promise<void> {
    await this.rateLimits.check('logInPerAccount', user.email);
    // Over-long input is never a password: refused without spending argon2 time on it.
    const matches =
      password.length <= PASSWORD_MAX_LENGTH && (await verifyPassword(user.passwordHash, password));
    if (!matches) {
      await this.rateLimits.penalize('logInPerAccount', user.email);
      throw badInput(field, 'The password is wrong.');
    }
  }

  /**
   * The same for a second-factor code (TOTP or recovery code); a used code is spent — in `tx`
   * when given, so a command that checks it under its lock spends it only if it commits.
   */
  async requireCode(
    user: User,
    code: string,
    field: string,
    tx: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await this.rateLimits.check('logInPerAccount', user.email);
    if (!(await this.spendCode(tx, user, code))) {
      await this.rateLimits.penalize('logInPerAccount', user.email);
      throw badInput(field, 'The code is wrong or was already used.');
    }
  }

  /**
   * True when `code` is a current TOTP code not used before, or an unused recovery code —
   * which it then marks used. Both updates are conditional, so a code works exactly once
   * even when two requests race.
   */
  async spendCode(tx: EntityManager, user: User, code: string): Promise<boolean> {
    const typed = code.trim();
    const secret = await currentSecret(tx, user.id);
    if (!secret) return false;
    if (looksLikeRecoveryCode(typed) && !/^\d+$/.test(typed)) {
      const spent = await tx
        .createQueryBuilder()
        .update(RecoveryCode)
        .set({ usedAt: () => 'now()' })
        .where('user_id = :userId AND code_hash = :hash AND used_at IS NULL', {
          userId: user.id,
          hash: recoveryCodeHash(typed),
        })
        .execute();
      return spent.affected === 1;
    }
    const step = await acceptedTotpStep(secret.secret, typed, secret.lastStep);
    if (step === null) return false;
    const recorded = await tx
      .createQueryBuilder()
      .update(User)
      .set({ twoFactorLastStep: String(step) })
      .where('id = :id AND (two_factor_last_step IS NULL OR two_factor_last_step < :step)', {
        id: user.id,
        step,
      })
      .execute();
    return recorded.affected === 1;
  }
}

/** The enabled secret, read fresh (the viewer's row may predate a change in this request). */
async function currentSecret(
  tx: EntityManager,
  userId: string,
): Promise<{ secret: string; lastStep: number | null } | null> {
  const row = await tx.getRepository(User).findOne({
    where: { id: userId },
    select: { id: true, twoFactorSecret: true, twoFactorEnabledAt: true, twoFactorLastStep: true },
  });
  if (!row?.twoFactorSecret || !row.twoFactorEnabledAt) return null;
  return {
    secret: row.twoFactorSecret,
    lastStep: row.twoFactorLastStep === null ? null : Number(row.twoFactorLastStep),
  };
}

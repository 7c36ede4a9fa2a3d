import type { DataSource, EntityManager } from 'typeorm';
import type { Transaction } from '../db/transaction';
import { RecoveryCode } from '../../entities/recovery-code.entity';
import { User } from '../../entities/user.entity';
import { verifyPassword } from '../auth/password-hasher';
import { PASSWORD_MAX_LENGTH } from '../auth/password-policy';
import { recoveryCodeHash, looksLikeRecoveryCode } from '../auth/recovery-codes';
import { acceptedTotpStep } from '../auth/totp';
import { badInput, conflict } from '../errors/errors';
import type { RateLimits } from '../rate-limit/rate-limits';
import { readAccount } from './lock-account';

/**
 * Secrets are checked before the account's lock (argon2 is slow, and the lock is short), so a
 * command re-reads how the account signs in once it holds the lock: a password or second
 * factor that changed meanwhile (another request of the same session, say) would let the
 * command through on what no longer signs in. CONFLICT then, and the command does nothing;
 * its retry checks the secrets as they are now. The read is sent when called (after the
 * caller's lock, with its other reads).
 */
export async function requireSignInUnchanged(tx: Transaction, checked: User): Promise<User> {
  return signInUnchangedSince(checked, await readAccount(tx, checked.id));
}

/** requireSignInUnchanged's check, on the account as read under the lock (`locked`). */
export function signInUnchangedSince(checked: User, locked: User): User {
  if (
    locked.passwordHash !== checked.passwordHash ||
    Boolean(locked.twoFactorEnabledAt) !== Boolean(checked.twoFactorEnabledAt)
  )
    throw conflict('How this account signs in changed meanwhile; try again.');
  return locked;
}

/**
 * A second-factor code made ready before the transaction (`prepareCode`) against the account
 * as read then: the recovery code's hash, or the TOTP step the code is valid for.
 */
export type PreparedCode =
  | { kind: 'recovery'; hash: string }
  | { kind: 'totp'; step: number | null; enrolledAt: Date | null };

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
   * `requireCode` for a code spent in the caller's transaction (`spendPrepared`): RATE_LIMITED
   * once the account's budget is spent, else BAD_USER_INPUT on `field` unless it was `spent`.
   */
  async requireSpent(user: User, spent: boolean, field: string): Promise<void> {
    await this.rateLimits.check('logInPerAccount', user.email);
    if (!spent) {
      await this.rateLimits.penalize('logInPerAccount', user.email);
      throw badInput(field, 'The code is wrong or was already used.');
    }
  }

  /**
   * The work of `spendCode` that needs no statement (hashing a recovery code, finding the TOTP
   * step), done before the transaction on the account as read then (`user`).
   */
  async prepareCode(user: User, code: string): Promise<PreparedCode> {
    const typed = code.trim();
    if (looksLikeRecoveryCode(typed) && !/^\d+$/.test(typed)) {
      return { kind: 'recovery', hash: recoveryCodeHash(typed) };
    }
    const secret = user.twoFactorEnabledAt ? user.twoFactorSecret : null;
    const lastStep = user.twoFactorLastStep === null ? null : Number(user.twoFactorLastStep);
    return {
      kind: 'totp',
      step: secret ? await acceptedTotpStep(secret, typed, lastStep) : null,
      enrolledAt: user.twoFactorEnabledAt,
    };
  }

  /**
   * Spends a prepared code: one conditional UPDATE sent when called (after the account's
   * lock), as `spendCode` spends a code, so a code works exactly once even when two requests
   * race. The TOTP step is recorded only while the enrolment it was found for is the current
   * one; `stillValid` tells, once the account is read under the lock, whether that held
   * (when not, the code must be checked again against the current secret with `spendCode`).
   */
  async spendPrepared(tx: Transaction, userId: string, prepared: PreparedCode): Promise<boolean> {
    if (prepared.kind === 'recovery') {
      const spent = await tx.read(
        `UPDATE recovery_codes SET used_at = now()
          WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL
            AND EXISTS (SELECT 1 FROM users WHERE id = $1
                         AND two_factor_secret IS NOT NULL AND two_factor_enabled_at IS NOT NULL)
          RETURNING id`,
        [userId, prepared.hash],
      );
      return spent.length === 1;
    }
    if (prepared.step === null || !prepared.enrolledAt) return false;
    const recorded = await tx.read(
      `UPDATE users SET two_factor_last_step = $2
        WHERE id = $1 AND two_factor_secret IS NOT NULL AND two_factor_enabled_at = $3
          AND (two_factor_last_step IS NULL OR two_factor_last_step < $2)
        RETURNING id`,
      [userId, prepared.step, prepared.enrolledAt],
    );
    return recorded.length === 1;
  }

  /** Whether `prepared` was made against the enrolment `locked` (read under the lock) has. */
  static stillValid(prepared: PreparedCode, locked: User): boolean {
    return (
      prepared.kind === 'recovery' ||
      (locked.twoFactorEnabledAt?.getTime() ?? null) === (prepared.enrolledAt?.getTime() ?? null)
    );
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

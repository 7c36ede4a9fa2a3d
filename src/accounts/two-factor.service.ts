import type { DataSource, EntityManager } from 'typeorm';
import { AccountTokenPurpose } from '../../entities/account-token.entity';
import { User } from '../../entities/user.entity';
import { holdOut } from '../access/end-access';
import { TEAMS_REQUIRING_TWO_FACTOR_SQL } from '../access/member-access-sql';
import { RECOVERY_CODE_COUNT, newRecoveryCode, recoveryCodeHash } from '../auth/recovery-codes';
import { acceptedTotpStep, newTotpSecret, totpUri } from '../auth/totp';
import { allInOrder } from '../db/all-in-order';
import { sealedSecret } from '../db/sealed-secrets';
import { inTransaction, Transaction } from '../db/transaction';
import { badInput, conflict } from '../errors/errors';
import { AccountEventType } from '../events/account-event-type';
import type { EventBus } from '../events/event-bus';
import {
  recoveryCodesNotice,
  twoFactorDisabledNotice,
  twoFactorEnabledNotice,
} from '../mail/account-emails';
import type { AccountMail } from '../mail/account-mail';
import type { RateLimits } from '../rate-limit/rate-limits';
import { accountEvent } from './account-event';
import { findAccountLink, issueAccountToken, linkNotValid } from './account-tokens';
import { lockAccountOfSession } from './lock-account';
import { SecretChecks, signInUnchangedSince } from './secret-checks';
import type { Viewer } from './session.service';
import { undoByLink } from './undo-link';

export interface TwoFactorSetupData {
  secret: string;
  otpauthUri: string;
}

/**
 * TOTP two-factor: set-up, confirmation with recovery codes, regeneration, disabling, and the
 * notice's link that undoes an enrolment.
 */
export class TwoFactorService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly rateLimits: RateLimits,
    private readonly secrets: SecretChecks,
    private readonly mail: AccountMail,
  ) {}

  /** A new secret to scan; two-factor turns on only once a code from it is confirmed. */
  async beginSetup(viewer: Viewer): Promise<TwoFactorSetupData> {
    return inTransaction(this.dataSource, this.bus, async (tx) => {
      const user = await lockAccountOfSession(tx, viewer.user.id, viewer.session.id);
      if (user.twoFactorEnabledAt) throw conflict('Two-factor authentication is already on.');
      const secret = newTotpSecret();
      tx.defer({
        text: `UPDATE users SET two_factor_pending_secret = $2 WHERE id = $1`,
        values: [user.id, sealedSecret.to(secret)],
      });
      return { secret, otpauthUri: totpUri(secret, user.email) };
    });
  }

  /**
   * Turns two-factor on and returns the recovery codes — the only time they are shown. The
   * notices carry links that undo this enrolment (issueUndoLinks, revertSetup).
   */
  async confirmSetup(viewer: Viewer, code: string): Promise<string[]> {
    const email = viewer.user.email;
    await this.rateLimits.check('logInPerAccount', email);
    const result = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      // The lock and every read under it, in one round trip. The teams that hold the user out
      // are read before the change: it changes the factor, not who is a member of what.
      const [user, reverts, requiring] = await allInOrder([
        lockAccountOfSession(tx, viewer.user.id, viewer.session.id),
        openRevertAddresses(tx, viewer.user.id),
        teamsRequiringTwoFactor(tx, viewer.user.id),
      ]);
      if (user.twoFactorEnabledAt) throw conflict('Two-factor authentication is already on.');
      if (!user.twoFactorPendingSecret) {
        throw conflict('Start with beginTwoFactorSetup, then confirm a code from the app.');
      }
      const step = await acceptedTotpStep(user.twoFactorPendingSecret, code.trim(), null);
      if (step === null) return null;
      tx.defer({
        text: `UPDATE users SET two_factor_secret = $2, two_factor_pending_secret = NULL,
                 two_factor_enabled_at = $3, two_factor_last_step = $4 WHERE id = $1`,
        values: [user.id, sealedSecret.to(user.twoFactorPendingSecret), new Date(), String(step)],
      });
      const codes = replaceRecoveryCodes(tx, user.id);
      const undoLinks = issueUndoLinks(tx, user, reverts);
      accountEvent(pending, user.id, viewer.session.id, AccountEventType.TWO_FACTOR_ENABLED);
      // Teams that held the user out let them back in: their live feeds follow them again.
      for (const team of requiring) {
        pending.add({ kind: 'access-granted', teamId: team.id, userId: user.id });
      }
      return { codes, undoLinks };
    });
    if (!result) {
      await this.rateLimits.penalize('logInPerAccount', email);
      throw badInput('code', 'The code is wrong; enter the current one from the app.');
    }
    this.mail.send(
      ...result.undoLinks.map((undo) =>
        twoFactorEnabledNotice(
          undo.to,
          this.mail.link('account/revert-two-factor', undo.token),
          undo.expiresAt,
        ),
      ),
    );
    return result.codes;
  }

  async regenerateRecoveryCodes(viewer: Viewer, code: string): Promise<string[]> {
    const user = await this.requireEnabled(viewer.user.id);
    await this.secrets.requireCode(user, code, 'code');
    const { codes, to } = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const locked = await lockAccountOfSession(tx, viewer.user.id, viewer.session.id);
      const fresh = replaceRecoveryCodes(tx, user.id);
      accountEvent(
        pending,
        user.id,
        viewer.session.id,
        AccountEventType.RECOVERY_CODES_REGENERATED,
      );
      return { codes: fresh, to: locked.email };
    });
    this.mail.send(recoveryCodesNotice(to));
    return codes;
  }

  async disable(viewer: Viewer, password: string, code: string): Promise<boolean> {
    const user = await this.requireEnabled(viewer.user.id);
    const requiring = await teamsRequiringTwoFactor(this.dataSource.manager, user.id);
    if (requiring.length) {
      throw conflict(
        `Two-factor authentication is required by ${requiring.map((t) => `"${t.name}"`).join(', ')}; leave those teams first.`,
        { teams: requiring },
      );
    }
    await this.secrets.requirePassword(user, password, 'password');
    // The TOTP check needs no statement: made now, against the enrolment read above.
    const prepared = await this.secrets.prepareCode(user, code);
    const to = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      // The code is spent with the reads under the lock; a refusal below rolls the spend back.
      const [locked, requiringNow, spentWithReads] = await allInOrder([
        lockAccountOfSession(tx, viewer.user.id, viewer.session.id),
        teamsRequiringTwoFactor(tx, user.id),
        this.secrets.spendPrepared(tx, user.id, prepared),
      ]);
      // Under the lock: a request that turned two-factor off meanwhile won (CONFLICT), and the
      // code is spent only by the one that commits, so the loser does not see it as used.
      if (!locked.twoFactorEnabledAt) throw conflict('Two-factor authentication is not on.');
      signInUnchangedSince(user, locked);
      // Re-checked under the lock: a team may have turned the requirement on meanwhile.
      if (requiringNow.length) {
        throw conflict('A team you belong to now requires two-factor authentication.');
      }
      // Enrolled anew since the code was checked (a race): checked again, on the current secret.
      const spent = SecretChecks.stillValid(prepared, locked)
        ? spentWithReads
        : await this.secrets.spendCode(tx, locked, code);
      await this.secrets.requireSpent(locked, spent, 'code');
      turnTwoFactorOff(tx, user.id);
      accountEvent(pending, user.id, viewer.session.id, AccountEventType.TWO_FACTOR_DISABLED);
      return locked.email;
    });
    this.mail.send(twoFactorDisabledNotice(to));
    return true;
  }

  /**
   * The link of the "two-factor turned on" notice, for whoever holds the account's inbox:
   * turns that enrolment off, with its recovery codes, and ends every session and pending link
   * (undoByLink), so someone who enrolled their own authenticator with a stolen session and
   * the password holds nothing; the owner then resets the password and signs in without a
   * code. It works even while a team requires two-factor — the owner must be able to recover —
   * and those teams hold the member out until they enrol again. A link of an enrolment that
   * has since been turned off is dead: turning off deletes every undo link, and a new
   * enrolment sends its own (issueUndoLinks).
   */
  async revertSetup(token: string, ip: string): Promise<boolean> {
    await this.rateLimits.consume('accountLinkPerIp', ip);
    const link = await findAccountLink(
      this.dataSource.manager,
      AccountTokenPurpose.TWO_FACTOR_REVERT,
      token,
    );
    const to = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const user = await undoByLink(tx, pending, link, {
        read: teamsRequiringTwoFactor,
        apply: (owner, _link, requiring) => {
          if (!owner.twoFactorEnabledAt) throw linkNotValid();
          // The user's live feeds of teams that require two-factor end: held out from now.
          for (const team of requiring) holdOut(pending, team.id, [owner.id]);
          turnTwoFactorOff(tx, owner.id);
          return { type: AccountEventType.TWO_FACTOR_DISABLED, details: { undone: true } };
        },
      });
      return user.email;
    });
    this.mail.send(twoFactorDisabledNotice(to));
    return true;
  }

  private async requireEnabled(userId: string): Promise<User> {
    const user = await this.fresh(this.dataSource.manager, userId);
    if (!user.twoFactorEnabledAt) throw conflict('Two-factor authentication is not on.');
    return user;
  }

  private fresh(tx: EntityManager, userId: string): Promise<User> {
    return tx.getRepository(User).findOneByOrFail({ id: userId });
  }
}

/** A fresh set of recovery codes in place of the old ones (deferred writes); the codes. */
function replaceRecoveryCodes(tx: Transaction, userId: string): string[] {
  tx.defer({ text: `DELETE FROM recovery_codes WHERE user_id = $1`, values: [userId] });
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  tx.defer({
    text: `INSERT INTO recovery_codes (user_id, code_hash)
           SELECT $1, code_hash FROM unnest($2::text[]) AS code_hash`,
    values: [userId, codes.map(recoveryCodeHash)],
  });
  return codes;
}

/** The addresses whose links can still revert an e-mail change of the account; sent when called. */
async function openRevertAddresses(tx: Transaction, userId: string): Promise<string[]> {
  const rows = await tx.read<{ email: string }>(
    `SELECT DISTINCT email FROM account_tokens
      WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
    [userId, AccountTokenPurpose.EMAIL_REVERT],
  );
  return rows.map((row) => row.email);
}

/**
 * The links that undo a new enrolment: one to the account's address and one to each earlier
 * address that can still revert an e-mail change (`reverts`, read under the lock). Whoever
 * enrolled with a stolen session and the password may also have moved the account to their
 * own address and enrolled again (which kills the first link): the owner, reverting the
 * address, must still find a way back in their own inbox. Deferred writes.
 */
function issueUndoLinks(
  tx: Transaction,
  user: Pick<User, 'id' | 'email'>,
  reverts: string[],
): { to: string; token: string; expiresAt: Date }[] {
  const earlier = reverts.filter((email) => email !== user.email);
  return [user.email, ...earlier].map((to) => ({
    to,
    ...issueAccountToken(tx, user.id, AccountTokenPurpose.TWO_FACTOR_REVERT, to),
  }));
}

/**
 * Two-factor off: the secret, any setup, the recovery codes and the link that would undo the
 * enrolment (there is nothing left for it to undo, and a new enrolment gets its own).
 * Deferred writes.
 */
function turnTwoFactorOff(tx: Transaction, userId: string): void {
  tx.defer({
    text: `UPDATE users SET two_factor_secret = NULL, two_factor_pending_secret = NULL,
             two_factor_enabled_at = NULL, two_factor_last_step = NULL WHERE id = $1`,
    values: [userId],
  });
  tx.defer({ text: `DELETE FROM recovery_codes WHERE user_id = $1`, values: [userId] });
  tx.defer({
    text: `DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2`,
    values: [userId, AccountTokenPurpose.TWO_FACTOR_REVERT],
  });
}

/**
 * Teams of the user that require two-factor (disabling it would lock the user out of them).
 * On a transaction, sent when called.
 */
export async function teamsRequiringTwoFactor(
  tx: EntityManager,
  userId: string,
): Promise<{ id: string; name: string }[]> {
  return tx instanceof Transaction
    ? tx.read<{ id: string; name: string }>(TEAMS_REQUIRING_TWO_FACTOR_SQL, [userId])
    : tx.query(TEAMS_REQUIRING_TWO_FACTOR_SQL, [userId]);
}

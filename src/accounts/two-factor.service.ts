import type { DataSource, EntityManager } from 'typeorm';
import { AccountToken, AccountTokenPurpose } from '../../entities/account-token.entity';
import { RecoveryCode } from '../../entities/recovery-code.entity';
import { User } from '../../entities/user.entity';
import { holdOut } from '../access/end-access';
import { TEAMS_REQUIRING_TWO_FACTOR_SQL } from '../access/member-access-sql';
import { RECOVERY_CODE_COUNT, newRecoveryCode, recoveryCodeHash } from '../auth/recovery-codes';
import { acceptedTotpStep, newTotpSecret, totpUri } from '../auth/totp';
import { inTransaction, type PendingEvents } from '../db/transaction';
import { badInput, conflict } from '../errors/errors';
import { AccountEventType } from '../events/account-event-type';
import type { DomainEvent } from '../events/domain-events';
import type { EventBus } from '../events/event-bus';
import {
  recoveryCodesNotice,
  twoFactorDisabledNotice,
  twoFactorEnabledNotice,
} from '../mail/account-emails';
import type { AccountMail } from '../mail/account-mail';
import type { RateLimits } from '../rate-limit/rate-limits';
import { accountEvent } from './account-event';
import { issueAccountToken, linkNotValid } from './account-tokens';
import { lockAccountOfSession } from './lock-account';
import { requireSignInUnchanged, type SecretChecks } from './secret-checks';
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
      const user = await this.lockUser(tx, viewer);
      if (user.twoFactorEnabledAt) throw conflict('Two-factor authentication is already on.');
      const secret = newTotpSecret();
      await tx.update(User, { id: user.id }, { twoFactorPendingSecret: secret });
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
      const user = await this.lockUser(tx, viewer);
      if (user.twoFactorEnabledAt) throw conflict('Two-factor authentication is already on.');
      if (!user.twoFactorPendingSecret) {
        throw conflict('Start with beginTwoFactorSetup, then confirm a code from the app.');
      }
      const step = await acceptedTotpStep(user.twoFactorPendingSecret, code.trim(), null);
      if (step === null) return null;
      await tx.update(
        User,
        { id: user.id },
        {
          twoFactorSecret: user.twoFactorPendingSecret,
          twoFactorPendingSecret: null,
          twoFactorEnabledAt: new Date(),
          twoFactorLastStep: String(step),
        },
      );
      const codes = await this.replaceRecoveryCodes(tx, user.id);
      const undoLinks = await issueUndoLinks(tx, user);
      accountEvent(pending, user.id, viewer.session.id, AccountEventType.TWO_FACTOR_ENABLED);
      // Teams that held the user out let them back in: their live feeds follow them again.
      for (const team of await teamsRequiringTwoFactor(tx, user.id)) {
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
      const locked = await this.lockUser(tx, viewer);
      const fresh = await this.replaceRecoveryCodes(tx, user.id);
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
    const to = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const locked = await this.lockUser(tx, viewer);
      // Under the lock: a request that turned two-factor off meanwhile won (CONFLICT), and the
      // code is spent only by the one that commits, so the loser does not see it as used.
      if (!locked.twoFactorEnabledAt) throw conflict('Two-factor authentication is not on.');
      await requireSignInUnchanged(tx, user);
      // Re-checked under the lock: a team may have turned the requirement on meanwhile.
      if ((await teamsRequiringTwoFactor(tx, user.id)).length) {
        throw conflict('A team you belong to now requires two-factor authentication.');
      }
      await this.secrets.requireCode(locked, code, 'code', tx);
      await turnTwoFactorOff(tx, user.id);
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
    const to = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const user = await undoByLink(
        tx,
        pending,
        AccountTokenPurpose.TWO_FACTOR_REVERT,
        token,
        async (owner) => {
          if (!owner.twoFactorEnabledAt) throw linkNotValid();
          await holdOutOfRequiringTeams(tx, pending, owner.id);
          await turnTwoFactorOff(tx, owner.id);
          return { type: AccountEventType.TWO_FACTOR_DISABLED, details: { undone: true } };
        },
      );
      return user.email;
    });
    this.mail.send(twoFactorDisabledNotice(to));
    return true;
  }

  private async replaceRecoveryCodes(tx: EntityManager, userId: string): Promise<string[]> {
    await tx.delete(RecoveryCode, { userId });
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await tx.insert(
      RecoveryCode,
      codes.map((code) => ({ userId, codeHash: recoveryCodeHash(code), usedAt: null })),
    );
    return codes;
  }

  private async requireEnabled(userId: string): Promise<User> {
    const user = await this.fresh(this.dataSource.manager, userId);
    if (!user.twoFactorEnabledAt) throw conflict('Two-factor authentication is not on.');
    return user;
  }

  private fresh(tx: EntityManager, userId: string): Promise<User> {
    return tx.getRepository(User).findOneByOrFail({ id: userId });
  }

  /** The viewer's account, locked, once their session is known to be still live under the lock. */
  private async lockUser(tx: EntityManager, viewer: Viewer): Promise<User> {
    await lockAccountOfSession(tx, viewer.user.id, viewer.session.id);
    return this.fresh(tx, viewer.user.id);
  }
}

/**
 * The links that undo a new enrolment: one to the account's address and one to each earlier
 * address that can still revert an e-mail change. Whoever enrolled with a stolen session and
 * the password may also have moved the account to their own address and enrolled again (which
 * kills the first link): the owner, reverting the address, must still find a way back in
 * their own inbox.
 */
async function issueUndoLinks(
  tx: EntityManager,
  user: Pick<User, 'id' | 'email'>,
): Promise<{ to: string; token: string; expiresAt: Date }[]> {
  const earlier: { email: string }[] = await tx.query(
    `SELECT DISTINCT email FROM account_tokens
      WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() AND email <> $3`,
    [user.id, AccountTokenPurpose.EMAIL_REVERT, user.email],
  );
  const links = [];
  for (const to of [user.email, ...earlier.map((row) => row.email)]) {
    const link = await issueAccountToken(tx, user.id, AccountTokenPurpose.TWO_FACTOR_REVERT, to);
    links.push({ to, ...link });
  }
  return links;
}

/**
 * Two-factor off: the secret, any setup, the recovery codes and the link that would undo the
 * enrolment (there is nothing left for it to undo, and a new enrolment gets its own).
 */
async function turnTwoFactorOff(tx: EntityManager, userId: string): Promise<void> {
  await tx.update(
    User,
    { id: userId },
    {
      twoFactorSecret: null,
      twoFactorPendingSecret: null,
      twoFactorEnabledAt: null,
      twoFactorLastStep: null,
    },
  );
  await tx.delete(RecoveryCode, { userId });
  await tx.delete(AccountToken, { userId, purpose: AccountTokenPurpose.TWO_FACTOR_REVERT });
}

/** The user's live feeds of teams that require two-factor end: they are held out from now. */
async function holdOutOfRequiringTeams(
  tx: EntityManager,
  pending: PendingEvents<DomainEvent>,
  userId: string,
): Promise<void> {
  for (const team of await teamsRequiringTwoFactor(tx, userId)) holdOut(pending, team.id, [userId]);
}

/** Teams of the user that require two-factor (disabling it would lock the user out of them). */
export async function teamsRequiringTwoFactor(
  tx: EntityManager,
  userId: string,
): Promise<{ id: string; name: string }[]> {
  return tx.query(TEAMS_REQUIRING_TWO_FACTOR_SQL, [userId]);
}

import type { DataSource } from 'typeorm';
import { AccountTokenPurpose } from '../../entities/account-token.entity';
import { User } from '../../entities/user.entity';
import { allInOrder } from '../db/all-in-order';
import { inTransaction, type Transaction } from '../db/transaction';
import { isUniqueViolation } from '../db/unique-violation';
import { badInput, conflict } from '../errors/errors';
import { AccountEventType } from '../events/account-event-type';
import type { EventBus } from '../events/event-bus';
import {
  emailChangeEmail,
  emailChangeRequestedNotice,
  emailChangedNotice,
} from '../mail/account-emails';
import type { AccountMail } from '../mail/account-mail';
import type { RateLimits } from '../rate-limit/rate-limits';
import { canonicalEmail } from '../validation/canonical-email';
import { accountEvent } from './account-event';
import { readAccountSecrets } from './account-security';
import { lockAccount, lockAccountOfSession } from './lock-account';
import {
  findAccountLink,
  issueAccountToken,
  linkNotValid,
  spendAccountLink,
} from './account-tokens';
import { undoByLink } from './undo-link';
import { signInUnchangedSince, type SecretChecks } from './secret-checks';
import type { Viewer } from './session.service';

const TAKEN = 'An account with this e-mail address already exists.';

/**
 * Moving an account to another address: confirmed from the new inbox, announced to the old
 * one with a link that cancels or undoes it. Invitations stay with the address they were sent to: the old address's pending
 * invitations are not carried over.
 */
export class EmailChangeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly rateLimits: RateLimits,
    private readonly secrets: SecretChecks,
    private readonly mail: AccountMail,
  ) {}

  async request(viewer: Viewer, newEmailRaw: string, password: string): Promise<boolean> {
    const newEmail = canonicalEmail('newEmail', newEmailRaw);
    await this.rateLimits.consume('emailChangePerUser', viewer.user.id);
    const user = await this.dataSource.getRepository(User).findOneByOrFail({ id: viewer.user.id });
    await this.secrets.requirePassword(user, password, 'password');
    if (newEmail === user.email) throw badInput('newEmail', 'This is already your e-mail address.');
    const { confirm, revert, oldEmail } = await inTransaction(
      this.dataSource,
      this.bus,
      async (tx, pending) => {
        const [locked, [taken]] = await allInOrder([
          lockAccountOfSession(tx, user.id, viewer.session.id),
          tx.read(`SELECT 1 FROM users WHERE email = $1`, [newEmail]),
        ]);
        // Read under the lock: how the account signs in, and the address the notice and its
        // revert link go to.
        signInUnchangedSince(user, locked);
        if (taken) throw conflict(TAKEN);
        const permit = await this.mail.reserve(newEmail);
        const confirmLink = issueAccountToken(
          tx,
          user.id,
          AccountTokenPurpose.EMAIL_CHANGE,
          newEmail,
        );
        const revertLink = this.issueRevert(tx, locked);
        accountEvent(pending, user.id, viewer.session.id, AccountEventType.EMAIL_CHANGE_REQUESTED);
        return { confirm: { ...confirmLink, permit }, revert: revertLink, oldEmail: locked.email };
      },
    );
    this.mail.send(
      {
        ...emailChangeEmail(
          newEmail,
          this.mail.link('account/confirm-email', confirm.token),
          confirm.expiresAt,
        ),
        permit: confirm.permit,
      },
      emailChangeRequestedNotice(
        oldEmail,
        this.mail.link('account/revert-email', revert.token),
        revert.expiresAt,
      ),
    );
    return true;
  }

  /**
   * The new address becomes the verified e-mail. Every session but the caller's own (when the
   * caller is signed in to this account) ends, with every other pending link (endAccountSecrets).
   * The old address is told, with a fresh link that undoes the change for 7 days.
   */
  async confirm(token: string, viewer: Viewer | null, ip: string): Promise<User> {
    await this.rateLimits.consume('accountLinkPerIp', ip);
    const link = await findAccountLink(
      this.dataSource.manager,
      AccountTokenPurpose.EMAIL_CHANGE,
      token,
    );
    const { user, oldEmail, revert } = await this.translatingTaken(() =>
      inTransaction(this.dataSource, this.bus, async (tx, pending) => {
        if (!link) throw linkNotValid();
        const keep = viewer?.user.id === link.userId ? viewer.session.id : null;
        const [before, spent, secrets] = await allInOrder([
          lockAccount(tx, link.userId),
          spendAccountLink(tx, link),
          readAccountSecrets(tx, link.userId, keep),
        ]);
        if (!spent) throw linkNotValid();
        if (!before || before.deletedAt) throw linkNotValid();
        const after = Object.assign(new User(), before, {
          email: link.email,
          emailVerifiedAt: new Date(),
        });
        tx.defer({
          text: `UPDATE users SET email = $2, email_verified_at = $3 WHERE id = $1`,
          values: [after.id, after.email, after.emailVerifiedAt],
        });
        secrets.end(pending);
        accountEvent(pending, link.userId, keep, AccountEventType.EMAIL_CHANGED);
        return { user: after, oldEmail: before.email, revert: this.issueRevert(tx, before) };
      }),
    );
    this.mail.send(
      emailChangedNotice(
        oldEmail,
        this.mail.link('account/revert-email', revert.token),
        revert.expiresAt,
      ),
    );
    return user;
  }

  /**
   * The old address's link: cancels a pending change, or undoes a confirmed one by restoring
   * the address it was sent to (verified: the link proves the inbox). Either way every
   * session, pending link and unconfirmed two-factor setup ends (endAccountSecrets), so
   * whoever moved the account holds nothing; the owner then resets the password from the
   * restored address. Revert links issued after this one (to addresses the account moved to
   * later) die with it; earlier ones stay, so a later address can never cut off an earlier
   * owner's way back. CONFLICT when another account took the old address meanwhile.
   */
  async revert(token: string, ip: string): Promise<boolean> {
    await this.rateLimits.consume('accountLinkPerIp', ip);
    const link = await findAccountLink(
      this.dataSource.manager,
      AccountTokenPurpose.EMAIL_REVERT,
      token,
    );
    await this.translatingTaken(() =>
      inTransaction(this.dataSource, this.bus, (tx, pending) =>
        undoByLink(tx, pending, link, {
          // Whether an account has the link's address (the user's own, or another one).
          read: async (reads) =>
            (await reads.read(`SELECT 1 FROM users WHERE email = $1`, [link?.email])).length > 0,
          apply: (user, spent, addressHeld) => {
            if (user.email !== spent.email) {
              if (addressHeld) throw conflict(TAKEN);
              tx.defer({
                text: `UPDATE users SET email = $2, email_verified_at = $3 WHERE id = $1`,
                values: [user.id, spent.email, new Date()],
              });
            }
            tx.defer({
              text: `DELETE FROM account_tokens
                      WHERE user_id = $1 AND purpose = $2 AND created_at > $3`,
              values: [user.id, AccountTokenPurpose.EMAIL_REVERT, spent.createdAt],
            });
            return { type: AccountEventType.EMAIL_CHANGE_REVERTED };
          },
        }),
      ),
    );
    return true;
  }

  /** A link for the user's current address that brings the account back to it (deferred). */
  private issueRevert(tx: Transaction, user: User) {
    return issueAccountToken(tx, user.id, AccountTokenPurpose.EMAIL_REVERT, user.email);
  }

  /** The address was taken meanwhile (the unique index caught it): CONFLICT, not a crash. */
  private async translatingTaken<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(TAKEN);
      throw error;
    }
  }
}

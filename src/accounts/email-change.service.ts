import type { DataSource, EntityManager } from 'typeorm';
import { AccountToken, AccountTokenPurpose } from '../../entities/account-token.entity';
import { User } from '../../entities/user.entity';
import { inTransaction } from '../db/transaction';
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
import { endAccountSecrets } from './account-security';
import { lockAccountOfSession } from './lock-account';
import { consumeAccountToken, issueAccountToken, linkNotValid } from './account-tokens';
import { undoByLink } from './undo-link';
import { requireSignInUnchanged, type SecretChecks } from './secret-checks';
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
        await lockAccountOfSession(tx, user.id, viewer.session.id);
        await requireSignInUnchanged(tx, user);
        if (await tx.getRepository(User).existsBy({ email: newEmail })) throw conflict(TAKEN);
        const permit = await this.mail.reserve(newEmail);
        const confirmLink = await issueAccountToken(
          tx,
          user.id,
          AccountTokenPurpose.EMAIL_CHANGE,
          newEmail,
        );
        // Read under the lock: the address the notice and its revert link go to.
        const current = await tx.getRepository(User).findOneByOrFail({ id: user.id });
        const revertLink = await this.issueRevert(tx, current);
        accountEvent(pending, user.id, viewer.session.id, AccountEventType.EMAIL_CHANGE_REQUESTED);
        return { confirm: { ...confirmLink, permit }, revert: revertLink, oldEmail: current.email };
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
    const { user, oldEmail, revert } = await this.translatingTaken(() =>
      inTransaction(this.dataSource, this.bus, async (tx, pending) => {
        const row = await consumeAccountToken(tx, AccountTokenPurpose.EMAIL_CHANGE, token);
        if (!row) throw linkNotValid();
        const before = await tx.getRepository(User).findOneBy({ id: row.userId });
        if (!before || before.deletedAt) throw linkNotValid();
        await tx.update(
          User,
          { id: row.userId },
          { email: row.email, emailVerifiedAt: new Date() },
        );
        const keep = viewer?.user.id === row.userId ? viewer.session.id : null;
        await endAccountSecrets(tx, pending, row.userId, keep);
        accountEvent(pending, row.userId, keep, AccountEventType.EMAIL_CHANGED);
        const after = await tx.getRepository(User).findOneByOrFail({ id: row.userId });
        return { user: after, oldEmail: before.email, revert: await this.issueRevert(tx, before) };
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
    await this.translatingTaken(() =>
      inTransaction(this.dataSource, this.bus, (tx, pending) =>
        undoByLink(tx, pending, AccountTokenPurpose.EMAIL_REVERT, token, async (user, link) => {
          if (user.email !== link.email) {
            if (await tx.getRepository(User).existsBy({ email: link.email })) {
              throw conflict(TAKEN);
            }
            await tx.update(
              User,
              { id: user.id },
              { email: link.email, emailVerifiedAt: new Date() },
            );
          }
          await tx
            .createQueryBuilder()
            .delete()
            .from(AccountToken)
            .where('user_id = :userId AND purpose = :purpose AND created_at > :issuedAt', {
              userId: user.id,
              purpose: AccountTokenPurpose.EMAIL_REVERT,
              issuedAt: link.createdAt,
            })
            .execute();
          return { type: AccountEventType.EMAIL_CHANGE_REVERTED };
        }),
      ),
    );
    return true;
  }

  /** A link for the user's current address that brings the account back to it. */
  private issueRevert(tx: EntityManager, user: User) {
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

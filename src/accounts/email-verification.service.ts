import type { DataSource } from 'typeorm';
import { AccountTokenPurpose } from '../../entities/account-token.entity';
import { User } from '../../entities/user.entity';
import { allInOrder } from '../db/all-in-order';
import { inTransaction, type Transaction } from '../db/transaction';
import { badInput, conflict } from '../errors/errors';
import { AccountEventType } from '../events/account-event-type';
import type { EventBus } from '../events/event-bus';
import { verificationEmail } from '../mail/account-emails';
import type { AccountMail } from '../mail/account-mail';
import type { MailPermit } from '../mail/mailer';
import type { RateLimits } from '../rate-limit/rate-limits';
import { accountEvent } from './account-event';
import { findAccountLink, issueAccountToken, spendAccountLink } from './account-tokens';
import { lockAccount, lockAccountRow, readAccount } from './lock-account';
import type { Viewer } from './session.service';

/** A verification link to send once the caller's transaction has committed. */
export interface PendingVerification {
  to: string;
  token: string;
  expiresAt: Date;
}

/** Proving that the account's address reaches its owner. */
export class EmailVerificationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly rateLimits: RateLimits,
    private readonly mail: AccountMail,
  ) {}

  /**
   * Issues the link inside the caller's transaction (sign-up), which holds the account's row
   * lock or created the account: deferred writes, no round trip. Send it after commit.
   */
  async issue(tx: Transaction, user: User): Promise<PendingVerification> {
    const issued = issueAccountToken(
      tx,
      user.id,
      AccountTokenPurpose.EMAIL_VERIFICATION,
      user.email,
    );
    return { to: user.email, ...issued };
  }

  /** `permit`: the address's e-mail was reserved; without one it is charged when sent. */
  send(pending: PendingVerification, permit?: MailPermit): void {
    const link = this.mail.link('account/verify-email', pending.token);
    this.mail.send({ ...verificationEmail(pending.to, link, pending.expiresAt), permit });
  }

  async resend(viewer: Viewer): Promise<boolean> {
    await this.rateLimits.consume('verificationEmailPerUser', viewer.user.id);
    const pending = await inTransaction(this.dataSource, this.bus, async (tx) => {
      // The account as read before its lock is taken (the lock serialises issuing links).
      const [user] = await allInOrder([
        readAccount(tx, viewer.user.id),
        lockAccountRow(tx, viewer.user.id),
      ]);
      if (user.emailVerifiedAt) throw conflict('This e-mail address is already verified.');
      const permit = await this.mail.reserve(user.email);
      return { pending: await this.issue(tx, user), permit };
    });
    this.send(pending.pending, pending.permit);
    return true;
  }

  /** The link's holder verifies the address it was sent to, if the account still uses it. */
  async verify(token: string, ip: string): Promise<boolean> {
    await this.rateLimits.consume('accountLinkPerIp', ip);
    const link = await findAccountLink(
      this.dataSource.manager,
      AccountTokenPurpose.EMAIL_VERIFICATION,
      token,
    );
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      if (!link) throw badInput('token', 'This link is not valid any more; ask for a new one.');
      const [user, spent] = await allInOrder([
        lockAccount(tx, link.userId),
        spendAccountLink(tx, link),
      ]);
      if (!spent) throw badInput('token', 'This link is not valid any more; ask for a new one.');
      // Decided on the account as it is under its lock, which every change of its address or
      // its deletion takes.
      if (!user || user.email !== link.email || user.deletedAt) {
        throw badInput('token', 'This link is for an address the account no longer uses.');
      }
      tx.defer({
        text: `UPDATE users SET email_verified_at = coalesce(email_verified_at, now())
                WHERE id = $1`,
        values: [user.id],
      });
      accountEvent(pending, link.userId, null, AccountEventType.EMAIL_VERIFIED);
      return true;
    });
  }
}

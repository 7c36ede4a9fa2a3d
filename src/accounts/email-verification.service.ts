import type { DataSource, EntityManager } from 'typeorm';
import { AccountTokenPurpose } from '../../entities/account-token.entity';
import { User } from '../../entities/user.entity';
import { inTransaction } from '../db/transaction';
import { badInput, conflict } from '../errors/errors';
import { AccountEventType } from '../events/account-event-type';
import type { EventBus } from '../events/event-bus';
import { verificationEmail } from '../mail/account-emails';
import type { AccountMail } from '../mail/account-mail';
import type { MailPermit } from '../mail/mailer';
import type { RateLimits } from '../rate-limit/rate-limits';
import { accountEvent } from './account-event';
import { consumeAccountToken, issueAccountToken } from './account-tokens';
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

  /** Issues the link inside the caller's transaction (sign-up); send it after commit. */
  async issue(tx: EntityManager, user: User): Promise<PendingVerification> {
    const issued = await issueAccountToken(
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
      const user = await tx.getRepository(User).findOneByOrFail({ id: viewer.user.id });
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
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const row = await consumeAccountToken(tx, AccountTokenPurpose.EMAIL_VERIFICATION, token);
      if (!row) throw badInput('token', 'This link is not valid any more; ask for a new one.');
      const changed = await tx
        .createQueryBuilder()
        .update(User)
        .set({ emailVerifiedAt: () => 'coalesce(email_verified_at, now())' })
        .where('id = :id AND email = :email AND deleted_at IS NULL', {
          id: row.userId,
          email: row.email,
        })
        .execute();
      if (changed.affected !== 1) {
        throw badInput('token', 'This link is for an address the account no longer uses.');
      }
      accountEvent(pending, row.userId, null, AccountEventType.EMAIL_VERIFIED);
      return true;
    });
  }
}

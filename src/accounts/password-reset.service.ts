import type { DataSource } from 'typeorm';
import { AccountTokenPurpose } from '../../entities/account-token.entity';
import { User } from '../../entities/user.entity';
import { hashPassword } from '../auth/password-hasher';
import { passwordWeakness } from '../auth/password-policy';
import { inTransaction } from '../db/transaction';
import { badInput } from '../errors/errors';
import type { EventBus } from '../events/event-bus';
import { passwordResetEmail, passwordResetNotice } from '../mail/account-emails';
import type { Logger } from '../logging/logger';
import type { AccountMail } from '../mail/account-mail';
import type { RateLimits } from '../rate-limit/rate-limits';
import type { CpuPool } from '../workers/cpu-pool';
import { canonicalEmail } from '../validation/canonical-email';
import { AccountEventType } from '../events/account-event-type';
import { accountEvent } from './account-event';
import { endAccountSecrets } from './account-security';
import { consumeAccountToken, issueAccountToken } from './account-tokens';

const LINK_NOT_VALID = 'This link is not valid any more; ask for a new one.';

/** "I forgot my password": an e-mailed single-use link, then a new password everywhere. */
export class PasswordResetService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly rateLimits: RateLimits,
    private readonly mail: AccountMail,
    private readonly logger: Logger,
    private readonly cpu: CpuPool,
  ) {}

  /**
   * Always true. Only the checks every address gets (validation, rate limits) run before the
   * answer; looking the address up, issuing the link and sending it happen afterwards, in the
   * background, so neither the answer nor its timing tells whether the address has an account.
   */
  async request(emailRaw: string, ip: string): Promise<boolean> {
    const email = canonicalEmail('email', emailRaw);
    await this.rateLimits.consume('passwordResetPerIp', ip);
    await this.rateLimits.consume('passwordResetPerAddress', email);
    this.issueAndSend(email).catch((error: unknown) => {
      this.logger.error({ err: error }, 'password reset link could not be issued');
    });
    return true;
  }

  private async issueAndSend(email: string): Promise<void> {
    const issued = await inTransaction(this.dataSource, this.bus, async (tx) => {
      const user = await tx.getRepository(User).findOne({
        where: { email },
        select: { id: true, email: true, deletedAt: true },
      });
      if (!user || user.deletedAt) return null;
      // Over the address's e-mail budget no link is issued either (a new one would replace the
      // one already in the inbox); the caller's answer was given already and does not change.
      const permit = await this.mail.tryReserve(email);
      if (!permit) return null;
      const token = await issueAccountToken(tx, user.id, AccountTokenPurpose.PASSWORD_RESET, email);
      return { ...token, permit };
    });
    if (issued) {
      const link = this.mail.link('account/reset-password', issued.token);
      this.mail.send({
        ...passwordResetEmail(email, link, issued.expiresAt),
        permit: issued.permit,
      });
    }
  }

  /**
   * Sets the new password and ends every session, link and unconfirmed two-factor setup
   * (endAccountSecrets); sends a notice. Two-factor, once on, stays on: the link proves the
   * inbox, not the second factor.
   */
  async reset(token: string, newPassword: string, ip: string): Promise<boolean> {
    await this.rateLimits.consume('accountLinkPerIp', ip);
    const user = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const row = await consumeAccountToken(tx, AccountTokenPurpose.PASSWORD_RESET, token);
      if (!row) throw badInput('token', LINK_NOT_VALID);
      const owner = await tx.getRepository(User).findOneBy({ id: row.userId });
      if (!owner || owner.deletedAt || owner.email !== row.email) {
        throw badInput('token', LINK_NOT_VALID);
      }
      const weakness = await passwordWeakness(this.cpu, newPassword, owner);
      if (weakness) throw badInput('newPassword', weakness);
      // A reset proves control of the address, like a verification link.
      await tx.update(
        User,
        { id: owner.id },
        {
          passwordHash: await hashPassword(newPassword),
          emailVerifiedAt: owner.emailVerifiedAt ?? new Date(),
        },
      );
      await endAccountSecrets(tx, pending, owner.id, null);
      accountEvent(pending, owner.id, null, AccountEventType.PASSWORD_CHANGED, { reset: true });
      return owner;
    });
    this.mail.send(passwordResetNotice(user.email));
    return true;
  }
}

import type { DataSource } from 'typeorm';
import { AccountTokenPurpose } from '../../entities/account-token.entity';
import { User } from '../../entities/user.entity';
import { hashPassword } from '../auth/password-hasher';
import { passwordWeakness } from '../auth/password-policy';
import { allInOrder } from '../db/all-in-order';
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
import { readAccountSecrets } from './account-security';
import { findAccountLink, issueAccountToken, spendAccountLink } from './account-tokens';
import { lockAccount } from './lock-account';

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
      // The account the address names, and its row lock (by id, whatever its address is by
      // the time the lock is granted): sent together.
      const [[user]] = await allInOrder([
        tx.read<{ id: string; deleted: boolean }>(
          `SELECT id, deleted_at IS NOT NULL AS deleted FROM users WHERE email = $1`,
          [email],
        ),
        tx.read(
          `SELECT 1 FROM users WHERE id = (SELECT id FROM users WHERE email = $1) FOR UPDATE`,
          [email],
        ),
      ]);
      if (!user || user.deleted) return null;
      // Over the address's e-mail budget no link is issued either (a new one would replace the
      // one already in the inbox); the caller's answer was given already and does not change.
      const permit = await this.mail.tryReserve(email);
      if (!permit) return null;
      const token = issueAccountToken(tx, user.id, AccountTokenPurpose.PASSWORD_RESET, email);
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
   * inbox, not the second factor. The link is found first (whose account to lock), and the
   * new password weighed and hashed before the transaction, which is then two round trips:
   * the lock with every read under it and the spending of the link; the writes with COMMIT.
   */
  async reset(token: string, newPassword: string, ip: string): Promise<boolean> {
    await this.rateLimits.consume('accountLinkPerIp', ip);
    const link = await findAccountLink(
      this.dataSource.manager,
      AccountTokenPurpose.PASSWORD_RESET,
      token,
    );
    const linked = link?.usable
      ? await this.dataSource.getRepository(User).findOneBy({ id: link.userId })
      : null;
    // Weighed against the account as it is now (only for a link that works now), and weighed
    // again below if what it is weighed against changed before the lock; refused only once
    // the link is known to work, as before.
    const weighed =
      linked && !linked.deletedAt && linked.email === link?.email
        ? await this.weigh(newPassword, linked)
        : null;
    const user = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      if (!link) throw badInput('token', LINK_NOT_VALID);
      const [owner, spent, secrets] = await allInOrder([
        lockAccount(tx, link.userId),
        spendAccountLink(tx, link),
        readAccountSecrets(tx, link.userId, null),
      ]);
      if (!spent) throw badInput('token', LINK_NOT_VALID);
      if (!owner || owner.deletedAt || owner.email !== link.email) {
        throw badInput('token', LINK_NOT_VALID);
      }
      const { weakness, passwordHash } =
        weighed && sameWeighing(weighed.against, owner)
          ? weighed
          : await this.weigh(newPassword, owner);
      if (weakness) throw badInput('newPassword', weakness);
      // A reset proves control of the address, like a verification link.
      tx.defer({
        text: `UPDATE users SET password_hash = $2, email_verified_at = $3 WHERE id = $1`,
        values: [owner.id, passwordHash, owner.emailVerifiedAt ?? new Date()],
      });
      secrets.end(pending);
      accountEvent(pending, owner.id, null, AccountEventType.PASSWORD_CHANGED, { reset: true });
      return owner;
    });
    this.mail.send(passwordResetNotice(user.email));
    return true;
  }

  /** The new password's weakness for `owner` (what it must not contain), or its hash. */
  private async weigh(newPassword: string, owner: User): Promise<Weighed> {
    const against = { email: owner.email, displayName: owner.displayName };
    const weakness = await passwordWeakness(this.cpu, newPassword, against);
    return { against, weakness, passwordHash: weakness ? '' : await hashPassword(newPassword) };
  }
}

/** A new password weighed against an account's address and name: its weakness, or its hash. */
interface Weighed {
  against: { email: string; displayName: string };
  weakness: string | null;
  passwordHash: string;
}

const sameWeighing = (against: Weighed['against'], owner: User): boolean =>
  against.email === owner.email && against.displayName === owner.displayName;

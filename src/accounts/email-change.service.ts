import { QueryFailedError, type DataSource } from 'typeorm';
import { AccountTokenPurpose } from '../../entities/account-token.entity';
import { User } from '../../entities/user.entity';
import { inTransaction } from '../db/in-transaction';
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
import { normalizeEmail } from '../validation/validators';
import { accountEvent } from './account-event';
import { consumeAccountToken, issueAccountToken } from './account-tokens';
import type { SecretChecks } from './secret-checks';
import type { SessionService, Viewer } from './session.service';

const TAKEN = 'An account with this e-mail address already exists.';

/**
 * Moving an account to another address: confirmed from the new inbox, announced to the old
 * one. Invitations stay with the address they were sent to: the old address's pending
 * invitations are not carried over.
 */
export class EmailChangeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly sessions: SessionService,
    private readonly rateLimits: RateLimits,
    private readonly secrets: SecretChecks,
    private readonly mail: AccountMail,
  ) {}

  async request(viewer: Viewer, newEmailRaw: string, password: string): Promise<boolean> {
    const newEmail = normalizeEmail('newEmail', newEmailRaw);
    await this.rateLimits.consume('emailChangePerUser', viewer.user.id);
    const user = await this.dataSource.getRepository(User).findOneByOrFail({ id: viewer.user.id });
    await this.secrets.requirePassword(user, password, 'password');
    if (newEmail === user.email) throw badInput('newEmail', 'This is already your e-mail address.');
    const issued = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      if (await tx.getRepository(User).existsBy({ email: newEmail })) throw conflict(TAKEN);
      const permit = await this.mail.reserve(newEmail);
      const token = await issueAccountToken(
        tx,
        user.id,
        AccountTokenPurpose.EMAIL_CHANGE,
        newEmail,
      );
      accountEvent(pending, user.id, viewer.session.id, AccountEventType.EMAIL_CHANGE_REQUESTED);
      return { ...token, permit };
    });
    this.mail.send(
      {
        ...emailChangeEmail(
          newEmail,
          this.mail.link('account/confirm-email', issued.token),
          issued.expiresAt,
        ),
        permit: issued.permit,
      },
      emailChangeRequestedNotice(user.email),
    );
    return true;
  }

  /**
   * The new address becomes the verified e-mail. Every session but the caller's own (when the
   * caller is signed in to this account) ends.
   */
  async confirm(token: string, viewer: Viewer | null, ip: string): Promise<User> {
    await this.rateLimits.consume('accountLinkPerIp', ip);
    try {
      const { user, oldEmail } = await inTransaction(
        this.dataSource,
        this.bus,
        async (tx, pending) => {
          const row = await consumeAccountToken(tx, AccountTokenPurpose.EMAIL_CHANGE, token);
          if (!row) throw badInput('token', 'This link is not valid any more; ask for a new one.');
          const before = await tx.getRepository(User).findOneBy({ id: row.userId });
          if (!before || before.deletedAt) {
            throw badInput('token', 'This link is not valid any more; ask for a new one.');
          }
          await tx.update(
            User,
            { id: row.userId },
            { email: row.email, emailVerifiedAt: new Date() },
          );
          const keep = viewer?.user.id === row.userId ? viewer.session.id : null;
          await this.sessions.revoke(tx, pending, row.userId, { allExcept: keep });
          accountEvent(pending, row.userId, keep, AccountEventType.EMAIL_CHANGED);
          const after = await tx.getRepository(User).findOneByOrFail({ id: row.userId });
          return { user: after, oldEmail: before.email };
        },
      );
      this.mail.send(emailChangedNotice(oldEmail));
      return user;
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string })?.code === '23505'
      ) {
        throw conflict(TAKEN);
      }
      throw error;
    }
  }
}

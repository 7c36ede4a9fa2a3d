import type { Logger } from '../logging/logger';
import { accountLink } from './account-link';
import type { RecipientBudgetMailer } from './mail-budget';
import type { MailMessage, MailPermit } from './mailer';

/** Pages of the web client that account links open. */
export type AccountPage =
  | 'account/reset-password'
  | 'account/verify-email'
  | 'account/confirm-email'
  | 'account/revert-email'
  | 'account/revert-two-factor';

/**
 * Account e-mail: links built from the public URL, messages sent after the caller's commit and
 * never awaited, so a slow mail server holds nothing up. Failures are logged without the body.
 */
export class AccountMail {
  constructor(
    private readonly mailer: RecipientBudgetMailer,
    private readonly logger: Logger,
    private readonly publicUrl: string,
  ) {}

  link(page: AccountPage, token: string): string {
    return accountLink(this.publicUrl, page, token);
  }

  /** One e-mail to `to` within its address's budget; RATE_LIMITED when spent. */
  reserve(to: string): Promise<MailPermit> {
    return this.mailer.reserve(to);
  }

  /** As `reserve` for answers that must not change: null when spent. */
  tryReserve(to: string): Promise<MailPermit | null> {
    return this.mailer.tryReserve(to);
  }

  send(...messages: MailMessage[]): void {
    for (const message of messages) {
      this.mailer.send(message).catch((error: unknown) => {
        this.logger.error({ err: error, subject: message.subject }, 'account e-mail failed');
      });
    }
  }
}

import type { Logger } from '../logging/logger';
import { accountLink } from './account-link';
import type { MailMessage, Mailer } from './mailer';

/** Pages of the web client that account links open. */
export type AccountPage =
  'account/reset-password' | 'account/verify-email' | 'account/confirm-email';

/**
 * Account e-mail: links built from the public URL, messages sent after the caller's commit and
 * never awaited, so a slow mail server holds nothing up. Failures are logged without the body.
 */
export class AccountMail {
  constructor(
    private readonly mailer: Mailer,
    private readonly logger: Logger,
    private readonly publicUrl: string,
  ) {}

  link(page: AccountPage, token: string): string {
    return accountLink(this.publicUrl, page, token);
  }

  send(...messages: MailMessage[]): void {
    for (const message of messages) {
      this.mailer.send(message).catch((error: unknown) => {
        this.logger.error({ err: error, subject: message.subject }, 'account e-mail failed');
      });
    }
  }
}

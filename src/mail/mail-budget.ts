import type { Logger } from '../logging/logger';
import { emailsTotal } from '../metrics/mail-metrics';
import type { RateLimits } from '../rate-limit/rate-limits';
import type { MailMessage, MailPermit, Mailer } from './mailer';

/** One budget per address, however it is written in the message. */
const recipientKey = (to: string) => to.trim().toLowerCase();

/**
 * Every e-mail the server sends passes here: each address has a budget of e-mails per window
 * (EMAIL_BUDGET_PER_RECIPIENT), whatever operation sends them, so nobody can flood an inbox
 * through the server (SECURITY.md I11).
 *
 * - An operation that may tell its caller reserves the e-mail first (`reserve`: RATE_LIMITED
 *   before it changes anything) and sends with the permit, which is not charged again.
 * - Any other e-mail is charged when sent and dropped when the budget is spent (counted as
 *   `over_budget`): the caller's answer does not change, so it tells nothing about accounts.
 * - Security notices are charged but always sent: dropping them is what someone taking over
 *   an account would want, and only the account's own actions (each with its own limit) send
 *   them.
 */
export class RecipientBudgetMailer implements Mailer {
  /** Permits handed out and not yet used; each pays for one message to its address. */
  private readonly permits = new WeakSet<MailPermit>();

  constructor(
    private readonly inner: Mailer,
    private readonly rateLimits: RateLimits,
    private readonly logger: Logger,
  ) {}

  /** Spends one of the address's e-mails now; RATE_LIMITED with retryAfterSeconds when spent. */
  async reserve(to: string): Promise<MailPermit> {
    await this.rateLimits.consume('emailsPerRecipient', recipientKey(to));
    return this.permit(to);
  }

  /** As `reserve`, for callers that must answer the same either way: null when spent. */
  async tryReserve(to: string): Promise<MailPermit | null> {
    if (!(await this.rateLimits.tryConsume('emailsPerRecipient', recipientKey(to)))) {
      this.overBudget(to);
      return null;
    }
    return this.permit(to);
  }

  async send(message: MailMessage): Promise<void> {
    if (await this.admit(message)) await this.inner.send(message);
  }

  private permit(to: string): MailPermit {
    const permit: MailPermit = Object.freeze({ to });
    this.permits.add(permit);
    return permit;
  }

  private async admit(message: MailMessage): Promise<boolean> {
    const { permit } = message;
    if (permit && this.permits.has(permit) && permit.to === message.to) {
      this.permits.delete(permit);
      return true;
    }
    const key = recipientKey(message.to);
    if (message.notice) {
      if (!(await this.rateLimits.countAlways('emailsPerRecipient', key))) {
        this.logger.warn(
          { event: 'mail.notice_over_budget', to: message.to, subject: message.subject },
          'security notice sent past its address budget',
        );
      }
      return true;
    }
    if (await this.rateLimits.tryConsume('emailsPerRecipient', key)) return true;
    this.overBudget(message.to);
    return false;
  }

  private overBudget(to: string): void {
    emailsTotal.inc({ result: 'over_budget' });
    this.logger.warn({ event: 'mail.over_budget', to }, 'e-mail not sent: address over budget');
  }
}

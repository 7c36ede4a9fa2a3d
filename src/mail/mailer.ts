import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import { emailsTotal } from '../metrics/mail-metrics';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A link worth logging when no mail server is configured (development only). */
  link?: string;
  /** A security notice: charged to the address's budget but never dropped by it. */
  notice?: boolean;
  /** The address's e-mail, already paid for by the operation (RecipientBudgetMailer.reserve). */
  permit?: MailPermit;
}

/** Proof that one e-mail to `to` was reserved within its address's budget. */
export interface MailPermit {
  readonly to: string;
}

/** Sends e-mail; implementations never throw for delivery problems the caller cannot fix. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Delivers through the SMTP server at SMTP_URL. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly logger: Logger,
  ) {
    // Not pooled: one connection per message, so nothing stays open when the server stops.
    // Short timeouts: a dead mail server fails the message within seconds, not minutes.
    this.transport = nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
      emailsTotal.inc({ result: 'sent' });
      this.logger.info({ to: message.to, subject: message.subject }, 'e-mail sent');
    } catch (error) {
      emailsTotal.inc({ result: 'failed' });
      // The recipient is logged so an operator can resend; the body (with its token) is not.
      this.logger.error({ err: error, to: message.to }, 'e-mail delivery failed');
    }
  }
}

/** No mail server: in development the link is logged so the flow can be followed by hand. */
export class LogMailer implements Mailer {
  constructor(
    private readonly logger: Logger,
    private readonly logLinks: boolean,
  ) {}

  async send(message: MailMessage): Promise<void> {
    emailsTotal.inc({ result: 'not_configured' });
    if (this.logLinks) {
      this.logger.info(
        { to: message.to, subject: message.subject, link: message.link },
        'e-mail not sent (no SMTP_URL)',
      );
    } else {
      this.logger.warn(
        { to: message.to, subject: message.subject },
        'e-mail not sent: SMTP_URL is not set',
      );
    }
  }
}

export function createMailer(config: Config, logger: Logger): Mailer {
  const mailLogger = logger.child({ component: 'mail' });
  if (config.SMTP_URL) return new SmtpMailer(config.SMTP_URL, config.SMTP_FROM, mailLogger);
  return new LogMailer(mailLogger, config.NODE_ENV === 'development');
}

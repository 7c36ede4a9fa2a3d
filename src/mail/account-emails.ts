import { escapeHtml } from './escape-html';
import type { MailMessage } from './mailer';

/** Account e-mails. Each carries at most one link; none says more about the account than needed. */

function message(to: string, subject: string, lines: string[], link?: string): MailMessage {
  const text = lines.join('\n\n');
  const html = lines
    .map((line) =>
      link && line.includes(link)
        ? `<p>${escapeHtml(line.replace(link, '').trim())} <a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`
        : `<p>${escapeHtml(line)}</p>`,
    )
    .join('\n');
  return { to, subject, text, html, ...(link ? { link } : {}) };
}

/** Security notices are charged to the address's budget but never dropped (see mail-budget). */
function notice(to: string, subject: string, lines: string[]): MailMessage {
  return { ...message(to, subject, lines), notice: true };
}

const IGNORE = 'If you did not ask for this, ignore this message; nothing changes.';

/** A single-use link e-mail: why it came, the link, when it expires, and what to do if unasked. */
const linkEmail = (
  to: string,
  subject: string,
  why: string,
  action: string,
  link: string,
  expiresAt: Date,
) =>
  message(
    to,
    subject,
    [
      why,
      `${action}: ${link}`,
      `The link works once and expires at ${expiresAt.toISOString()}.`,
      IGNORE,
    ],
    link,
  );

export const passwordResetEmail = (to: string, link: string, expiresAt: Date) =>
  linkEmail(
    to,
    'Reset your teamgraph password',
    'Someone asked to reset the password of the teamgraph account for this address.',
    'Choose a new password',
    link,
    expiresAt,
  );

export const passwordResetNotice = (to: string) =>
  notice(to, 'Your teamgraph password was reset', [
    'The password of your teamgraph account was just reset, and every device was signed out.',
    'If this was not you, reset your password again at once and turn on two-factor authentication.',
  ]);

export const verificationEmail = (to: string, link: string, expiresAt: Date) =>
  linkEmail(
    to,
    'Confirm your e-mail address for teamgraph',
    'Confirm that this address belongs to your teamgraph account:',
    'Confirm the address',
    link,
    expiresAt,
  );

export const emailChangeEmail = (to: string, link: string, expiresAt: Date) =>
  linkEmail(
    to,
    'Confirm your new e-mail address for teamgraph',
    'Someone asked to use this address for their teamgraph account.',
    'Confirm the change',
    link,
    expiresAt,
  );

/** To the old address: the new one is not named, so a thief cannot learn where it went. */
export const emailChangeRequestedNotice = (to: string) =>
  notice(to, 'Your teamgraph e-mail address is being changed', [
    'Someone signed in to your teamgraph account asked to move it to another e-mail address.',
    'The change happens only once the new address is confirmed from its own inbox.',
    'If this was not you, change your password now and sign out your other sessions.',
  ]);

export const emailChangedNotice = (to: string) =>
  notice(to, 'Your teamgraph e-mail address was changed', [
    'Your teamgraph account now uses another e-mail address; this one no longer signs in.',
    'If this was not you, contact support.',
  ]);

export const accountDeletedNotice = (to: string) =>
  notice(to, 'Your teamgraph account was deleted', [
    'Your teamgraph account and your profile were deleted. Backups that still hold them expire within 31 days.',
  ]);

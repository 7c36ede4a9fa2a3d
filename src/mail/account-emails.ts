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
function notice(to: string, subject: string, lines: string[], link?: string): MailMessage {
  return { ...message(to, subject, lines, link), notice: true };
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

const NOT_YOU_REVERT = (link: string, expiresAt: Date) =>
  `If this was not you, undo it here; every session then ends: ${link} (the link works once, until ${expiresAt.toISOString()}).`;

/**
 * To the old address: the new one is not named, so a thief cannot learn where it went. The
 * link cancels the change, or undoes it once confirmed, for 7 days.
 */
export const emailChangeRequestedNotice = (to: string, revertLink: string, expiresAt: Date) =>
  notice(
    to,
    'Your teamgraph e-mail address is being changed',
    [
      'Someone signed in to your teamgraph account asked to move it to another e-mail address.',
      'The change happens only once the new address is confirmed from its own inbox.',
      NOT_YOU_REVERT(revertLink, expiresAt),
    ],
    revertLink,
  );

export const emailChangedNotice = (to: string, revertLink: string, expiresAt: Date) =>
  notice(
    to,
    'Your teamgraph e-mail address was changed',
    [
      'Your teamgraph account now uses another e-mail address; this one no longer signs in.',
      NOT_YOU_REVERT(revertLink, expiresAt),
    ],
    revertLink,
  );

const NOT_YOU =
  'If this was not you, reset your password at once and sign out your other sessions.';

export const passwordChangedNotice = (to: string) =>
  notice(to, 'Your teamgraph password was changed', [
    'The password of your teamgraph account was just changed; your other sessions were signed out.',
    NOT_YOU,
  ]);

/**
 * The link turns this enrolment off again for 7 days: someone who enrolled their own
 * authenticator would otherwise hold the only factor, and a password reset keeps it on.
 */
export const twoFactorEnabledNotice = (to: string, revertLink: string, expiresAt: Date) =>
  notice(
    to,
    'Two-factor sign-in was turned on for your teamgraph account',
    [
      'Signing in to your teamgraph account now also needs a code from an authenticator app.',
      NOT_YOU_REVERT(revertLink, expiresAt),
      'Then reset your password: you will sign in with it alone.',
    ],
    revertLink,
  );

export const twoFactorDisabledNotice = (to: string) =>
  notice(to, 'Two-factor sign-in was turned off for your teamgraph account', [
    'Signing in to your teamgraph account no longer needs a code from an authenticator app.',
    NOT_YOU,
  ]);

export const recoveryCodesNotice = (to: string) =>
  notice(to, 'New recovery codes for your teamgraph account', [
    'New two-factor recovery codes were made for your teamgraph account; the old ones no longer work.',
    NOT_YOU,
  ]);

export const accountDeletedNotice = (to: string) =>
  notice(to, 'Your teamgraph account was deleted', [
    'Your teamgraph account and your profile were deleted. Backups that still hold them expire within 31 days.',
  ]);

import { escapeHtml } from '../mail/escape-html';
import type { MailMessage } from '../mail/mailer';

export interface InvitationEmailInput {
  to: string;
  teamName: string;
  inviterName: string;
  role: string;
  link: string;
  expiresAt: Date;
}

/** Names come from users: keep them on one line so they cannot shape the message. */
const oneLine = (value: string) => value.replace(/\p{Cc}+/gu, ' ').trim();

export function invitationEmail(input: InvitationEmailInput): MailMessage {
  const team = oneLine(input.teamName);
  const inviter = oneLine(input.inviterName);
  const expires = input.expiresAt.toISOString();
  const text = [
    `${inviter} invited you to join the team "${team}" on teamgraph as ${input.role}.`,
    '',
    `Accept the invitation: ${input.link}`,
    '',
    `The link works once and expires at ${expires}. Sign in with this e-mail address (${input.to}) to accept.`,
    'If you did not expect this invitation, ignore this message.',
  ].join('\n');
  const html = [
    `<p>${escapeHtml(inviter)} invited you to join the team <strong>${escapeHtml(team)}</strong> on teamgraph as ${input.role}.</p>`,
    `<p><a href="${escapeHtml(input.link)}">Accept the invitation</a></p>`,
    `<p>The link works once and expires at ${expires}. Sign in with this e-mail address (${escapeHtml(input.to)}) to accept.</p>`,
    '<p>If you did not expect this invitation, ignore this message.</p>',
  ].join('\n');
  return {
    to: input.to,
    subject: `${inviter} invited you to ${team} on teamgraph`,
    text,
    html,
    link: input.link,
  };
}

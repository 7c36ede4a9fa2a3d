import type { TestUser } from '../factories/user.factory';
import { subjectOf, tokenIn, waitForMail } from './mail-links';
import type { MailingSuite } from './mailing-app';
import type { TestApp } from './test-app';

export const RESET_SUBJECT = 'Reset your teamgraph password';
export const CHANGE_SUBJECT = 'Confirm your new e-mail address';
export const CHANGE_REQUESTED_SUBJECT = 'is being changed';
export const CHANGED_SUBJECT = 'address was changed';

const REQUEST_RESET = `mutation ($email: String!) { requestPasswordReset(email: $email) }`;
const REQUEST_CHANGE = `mutation ($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) }`;

/** How many messages to `address` with `subject` arrived so far. */
export const mailCount = (suite: MailingSuite<TestApp>, address: string, subject: string) =>
  suite.inbox.messages.filter((m) => m.to.includes(address) && subjectOf(m).includes(subject))
    .length;

/** Asks for a reset link for `email` and returns its token, once mailed. */
export async function resetToken(suite: MailingSuite<TestApp>, email: string): Promise<string> {
  const before = mailCount(suite, email, RESET_SUBJECT);
  const response = await suite.app.gql(REQUEST_RESET, { email });
  if (response.data?.requestPasswordReset !== true) throw new Error(JSON.stringify(response));
  return tokenIn(await waitForMail(suite.inbox, email, RESET_SUBJECT, before + 1));
}

/**
 * Asks (with `token`'s session) to move `user` to `newEmail`; returns the confirmation link's
 * token (mailed to the new address) and the revert link's (in the notice to the old one).
 */
export async function emailChangeTokens(
  suite: MailingSuite<TestApp>,
  user: Pick<TestUser, 'email' | 'password'>,
  newEmail: string,
  token: string,
): Promise<{ confirm: string; revert: string }> {
  const notices = mailCount(suite, user.email, CHANGE_REQUESTED_SUBJECT);
  const response = await suite.app.gql(REQUEST_CHANGE, { e: newEmail, p: user.password }, token);
  if (response.data?.requestEmailChange !== true) throw new Error(JSON.stringify(response));
  const confirm = tokenIn(await waitForMail(suite.inbox, newEmail, CHANGE_SUBJECT));
  const revert = tokenIn(
    await waitForMail(suite.inbox, user.email, CHANGE_REQUESTED_SUBJECT, notices + 1),
  );
  return { confirm, revert };
}

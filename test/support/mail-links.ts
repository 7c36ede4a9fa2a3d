import type { ReceivedMail, SmtpInbox } from './smtp-inbox';

/** The token of the first `#token=` link in a received message. */
export function tokenIn(mail: ReceivedMail): string {
  const match = /https?:\/\/[^\s"<>]+#token=([A-Za-z0-9_-]+)/.exec(mail.decoded);
  if (!match) throw new Error(`no link in:\n${mail.decoded}`);
  return match[1];
}

/** The subject line of a received message. */
export const subjectOf = (mail: ReceivedMail): string =>
  /^Subject: (.*)$/m.exec(mail.decoded)?.[1]?.trim() ?? '';

/** Waits for the `count`-th message to `address` whose subject contains `subject`, and returns it. */
export async function waitForMail(
  inbox: SmtpInbox,
  address: string,
  subject: string,
  count = 1,
): Promise<ReceivedMail> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = inbox.messages.filter(
      (m) => m.to.includes(address) && subjectOf(m).includes(subject),
    );
    if (found.length >= count) return found[count - 1];
    if (Date.now() > deadline) {
      throw new Error(`no mail "${subject}" #${count} to ${address}`);
    }
    await inbox
      .waitFor(address, inbox.messages.filter((m) => m.to.includes(address)).length + 1, 5000)
      .catch(() => undefined);
  }
}

/** The first `#token=` link in a received message, whole, as a person would click it. */
export function linkIn(mail: ReceivedMail): string {
  const match = /https?:\/\/[^\s"<>]+#token=[A-Za-z0-9_-]+/.exec(mail.decoded);
  if (!match) throw new Error(`no link in:\n${mail.decoded}`);
  return match[0];
}

import { request } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { freshEmail, INVITE } from './factories/invitation.factory';
import { buildTeam } from './factories/team.factory';
import { LogMailer } from '../src/mail/mailer';
import { insertUser } from './support/fast-users';
import { useMailingApp } from './support/mailing-app';
import type { ReceivedMail } from './support/smtp-inbox';
import { waitUntil } from './support/wait-until';
import { startTestApp, type TestApp } from './support/test-app';

const PUBLIC_URL = 'https://teams.example.test/app';
const ACCEPT = `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`;
const RESEND = `mutation ($id: ID!) { resendInvitation(id: $id) { token } }`;

const suite = useMailingApp({ SMTP_FROM: 'teamgraph <invitations@example.test>', PUBLIC_URL });

/** The accept link in a received message, and the token it carries. */
function linkIn(mail: ReceivedMail): { link: string; token: string } {
  const match = /(https?:\/\/[^\s"<>]+#token=([A-Za-z0-9_-]+))/.exec(mail.decoded);
  if (!match) throw new Error(`no accept link in:\n${mail.decoded}`);
  return { link: match[1], token: match[2] };
}

/** A counter's current value from the server's /metrics endpoint (0 when not yet counted). */
async function emailsCounted(base: TestApp, result: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', base.url))).text();
  const match = new RegExp(`^teamgraph_emails_total\\{result="${result}"\\} (\\d+)`, 'm').exec(
    text,
  );
  return match ? Number(match[1]) : 0;
}

/** POSTs a GraphQL operation with headers a client (or attacker) chooses, e.g. a forged Host. */
function postWithHeaders(
  body: unknown,
  headers: Record<string, string>,
): Promise<{ data?: Record<string, { token: string; invitation: { id: string } }> }> {
  const url = new URL(suite.app.url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(JSON.parse(text)));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('invitation e-mail over SMTP', () => {
  it('sends an accept link built from PUBLIC_URL, never from the request Host, whose token works', async () => {
    const owner = await insertUser(suite.app);
    const team = await buildTeam(suite.app, owner, 'Research');
    const invitee = await insertUser(suite.app);
    const response = await postWithHeaders(
      { query: INVITE, variables: { teamId: team.id, email: invitee.email } },
      {
        authorization: `Bearer ${owner.token}`,
        host: 'attacker.example',
        'x-forwarded-host': 'attacker.example',
      },
    );
    const shownToken = response.data!.inviteMember.token;

    const [mail] = await suite.inbox.waitFor(invitee.email);
    expect(mail.from).toBe('invitations@example.test');
    expect(mail.decoded).toMatch(/^Subject: .*Research/m);
    expect(mail.decoded).toContain(owner.displayName);
    expect(mail.decoded).not.toContain('attacker.example');
    const { link, token } = linkIn(mail);
    expect(link.startsWith(`${PUBLIC_URL}/invitations/accept#token=`)).toBe(true);
    expect(token).toBe(shownToken);

    const accepted = await suite.app.gql(ACCEPT, { token }, invitee.token);
    expect(accepted.errors).toBeUndefined();
    expect(await emailsCounted(suite.app, 'sent')).toBeGreaterThanOrEqual(1);
  });

  it('e-mails a fresh link on resend; the first link is dead', async () => {
    const owner = await insertUser(suite.app);
    const team = await buildTeam(suite.app, owner, 'Design');
    const invitee = await insertUser(suite.app);
    const created = await suite.app.gql<{ inviteMember: { invitation: { id: string } } }>(
      INVITE,
      { teamId: team.id, email: invitee.email },
      owner.token,
    );
    const first = linkIn((await suite.inbox.waitFor(invitee.email))[0]);
    expect(
      (await suite.app.gql(RESEND, { id: created.data!.inviteMember.invitation.id }, owner.token))
        .errors,
    ).toBeUndefined();
    const second = linkIn((await suite.inbox.waitFor(invitee.email, 2))[1]);
    expect(second.token).not.toBe(first.token);
    const stale = await suite.app.gql(ACCEPT, { token: first.token }, invitee.token);
    expect(stale.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(
      (await suite.app.gql(ACCEPT, { token: second.token }, invitee.token)).errors,
    ).toBeUndefined();
  });

  it('escapes names in the HTML part and keeps them on one line in the subject', async () => {
    const owner = await insertUser(suite.app);
    const team = await buildTeam(suite.app, owner);
    // The API refuses line breaks in names (the input edge); a row written before that rule
    // may still hold one, and the mail must not turn it into a header.
    await suite.app.sql(`UPDATE teams SET name = $2 WHERE id = $1`, [
      team.id,
      'R&D <b>core</b>\nBcc: victim@example.test',
    ]);
    const email = freshEmail();
    await suite.app.gql(INVITE, { teamId: team.id, email }, owner.token);
    const [mail] = await suite.inbox.waitFor(email);
    const html = mail.decoded.slice(mail.decoded.indexOf('Content-Type: text/html'));
    expect(html).toContain('R&amp;D &lt;b&gt;core&lt;/b&gt;');
    expect(html).not.toContain('<b>core</b>');
    expect(mail.to).toEqual([email]);
    expect(mail.decoded).not.toMatch(/^Bcc:/m);
  });
});

describe('invitation e-mail without a mail server', () => {
  it('still creates the invitation (the link can be copied) when SMTP is unreachable', async () => {
    const broken = await startTestApp({ SMTP_URL: 'smtp://127.0.0.1:1', PUBLIC_URL });
    try {
      const owner = await insertUser(broken);
      const team = await buildTeam(broken, owner);
      const response = await broken.gql<{ inviteMember: { token: string } }>(
        INVITE,
        { teamId: team.id, email: freshEmail() },
        owner.token,
      );
      expect(response.errors).toBeUndefined();
      expect(response.data!.inviteMember.token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      // The failure is counted for operators to alert on.
      await waitUntil(
        async () => (await emailsCounted(broken, 'failed')) >= 1,
        'the failed delivery to be counted',
      );
    } finally {
      await broken.stop();
    }
  });

  it('logs the link at info level in development, and only a warning without it elsewhere', async () => {
    const capture = () => {
      const lines: Record<string, unknown>[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      });
      return { lines, logger: pino({ level: 'info' }, stream) };
    };
    const message = {
      to: 'someone@example.com',
      subject: 'Invitation',
      text: 'text',
      html: '<p>html</p>',
      link: `${PUBLIC_URL}/invitations/accept#token=abc`,
    };
    const dev = capture();
    await new LogMailer(dev.logger, true).send(message);
    expect(dev.lines).toEqual([expect.objectContaining({ level: 30, link: message.link })]);

    const prod = capture();
    await new LogMailer(prod.logger, false).send(message);
    expect(prod.lines).toHaveLength(1);
    expect(prod.lines[0].level).toBe(40);
    expect(JSON.stringify(prod.lines[0])).not.toContain('token=abc');
  });
});

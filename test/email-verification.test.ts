import { buildInvitation, freshEmail } from './factories/invitation.factory';
import { buildTeam } from './factories/team.factory';
import { buildUser } from './factories/user.factory';
import { tokenIn, waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import { errorCode, startTestApp } from './support/test-app';

const VERIFY = `mutation ($token: String!) { verifyEmail(token: $token) }`;
const RESEND = `mutation { resendVerificationEmail }`;
const ME = `{ me { id emailVerified } }`;
const SUBJECT = 'Confirm your e-mail address for teamgraph';

const suite = useMailingApp({ PUBLIC_URL: 'https://teams.example.test' });

const verified = async (token: string) =>
  (await suite.app.gql<{ me: { emailVerified: boolean } }>(ME, {}, token)).data?.me.emailVerified;

describe('verified e-mail', () => {
  it('sign-up e-mails a link; emailVerified turns true when it is used, once', async () => {
    const user = await buildUser(suite.app);
    expect(await verified(user.token)).toBe(false);
    const mail = await waitForMail(suite.inbox, user.email, SUBJECT);
    const token = tokenIn(mail);
    expect(mail.decoded).toContain(
      `https://teams.example.test/account/verify-email#token=${token}`,
    );
    // The link's holder need not be signed in (it is opened from the inbox).
    expect((await suite.app.gql(VERIFY, { token })).data).toEqual({ verifyEmail: true });
    expect(await verified(user.token)).toBe(true);
    expect(errorCode(await suite.app.gql(VERIFY, { token }))).toBe('BAD_USER_INPUT');
  });

  it('resending replaces the link and is refused once verified', async () => {
    const user = await buildUser(suite.app);
    const first = tokenIn(await waitForMail(suite.inbox, user.email, SUBJECT));
    expect((await suite.app.gql(RESEND, {}, user.token)).data).toEqual({
      resendVerificationEmail: true,
    });
    const second = tokenIn(await waitForMail(suite.inbox, user.email, SUBJECT, 2));
    expect(second).not.toBe(first);
    expect(errorCode(await suite.app.gql(VERIFY, { token: first }))).toBe('BAD_USER_INPUT');
    expect(await verified(user.token)).toBe(false);
    expect((await suite.app.gql(VERIFY, { token: second })).errors).toBeUndefined();
    expect(errorCode(await suite.app.gql(RESEND, {}, user.token))).toBe('CONFLICT');
  });

  it('accepting an invitation by its e-mailed token verifies that address', async () => {
    const owner = await buildUser(suite.app);
    const team = await buildTeam(suite.app, owner);
    const email = freshEmail();
    const invitee = await buildUser(suite.app, { email });
    const invitation = await buildInvitation(suite.app, team, { email });
    expect(await verified(invitee.token)).toBe(false);
    const accepted = await suite.app.gql(
      `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`,
      { token: invitation.token },
      invitee.token,
    );
    expect(accepted.errors).toBeUndefined();
    expect(await verified(invitee.token)).toBe(true);
  });

  it('shows emailVerified to teammates, and null to strangers', async () => {
    const owner = await buildUser(suite.app);
    const team = await buildTeam(suite.app, owner);
    const stranger = await buildUser(suite.app);
    const members = await suite.app.gql<{
      team: { members: { user: { id: string; emailVerified: boolean | null } }[] };
    }>(
      `query ($id: ID!) { team(id: $id) { members { user { id emailVerified } } } }`,
      { id: team.id },
      owner.token,
    );
    expect(members.data?.team.members[0].user.emailVerified).toBe(false);
    const seen = await suite.app.gql<{ confirmEmailChange: unknown }>(
      `query ($id: ID!) { user(id: $id) { emailVerified } }`,
      { id: owner.id },
      stranger.token,
    );
    expect(errorCode(seen)).toBe('FORBIDDEN');
  });
});

describe('verification e-mail rate limit', () => {
  it('allows 5 resends per hour per user, counting each alias', async () => {
    const limited = await startTestApp({ RATE_LIMITS: 'on' });
    try {
      const user = await buildUser(limited);
      const aliased = `mutation { ${Array.from({ length: 6 }, (_, i) => `a${i}: resendVerificationEmail`).join(' ')} }`;
      const response = await limited.gql(aliased, {}, user.token);
      expect(response.errors?.map((e) => [e.path, e.extensions!.code])).toEqual([
        [['a5'], 'RATE_LIMITED'],
      ]);
    } finally {
      await limited.stop();
    }
  });
});

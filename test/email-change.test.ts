import { buildInvitation, freshEmail } from './factories/invitation.factory';
import { buildTeam } from './factories/team.factory';
import { buildUser, STRONG_PASSWORD } from './factories/user.factory';
import { tokenIn, waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import { errorCode } from './support/test-app';

const REQUEST = `mutation ($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) }`;
const CONFIRM = `mutation ($token: String!) { confirmEmailChange(token: $token) { id email emailVerified } }`;
const LOG_IN = `mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }`;

const suite = useMailingApp();

describe('e-mail change', () => {
  it('mails a link to the new address and a notice to the old; confirming moves the account and ends other sessions', async () => {
    const user = await buildUser(suite.app);
    const other = await suite.app.gql<{ logIn: { token: string } }>(LOG_IN, {
      email: user.email,
      password: user.password,
    });
    const newEmail = freshEmail('moved');
    expect(
      (await suite.app.gql(REQUEST, { e: newEmail.toUpperCase(), p: STRONG_PASSWORD }, user.token))
        .data,
    ).toEqual({
      requestEmailChange: true,
    });
    const notice = await waitForMail(suite.inbox, user.email, 'is being changed');
    // The old inbox is not told where the account is going.
    expect(notice.decoded).not.toContain(newEmail);
    const token = tokenIn(
      await waitForMail(suite.inbox, newEmail, 'Confirm your new e-mail address'),
    );

    const confirmed = await suite.app.gql<{
      confirmEmailChange: { email: string; emailVerified: boolean };
    }>(CONFIRM, { token }, user.token);
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data?.confirmEmailChange).toMatchObject({
      email: newEmail,
      emailVerified: true,
    });
    await waitForMail(suite.inbox, user.email, 'was changed');
    // This session stays; the other one ended.
    expect((await suite.app.gql(`{ me { email } }`, {}, user.token)).data).toEqual({
      me: { email: newEmail },
    });
    expect(
      errorCode(await suite.app.gql(`{ mySessions { id } }`, {}, other.data!.logIn.token)),
    ).toBe('UNAUTHENTICATED');
    expect(
      errorCode(await suite.app.gql(LOG_IN, { email: user.email, password: user.password })),
    ).toBe('UNAUTHENTICATED');
    expect(
      (await suite.app.gql(LOG_IN, { email: newEmail, password: user.password })).errors,
    ).toBeUndefined();
    expect(errorCode(await suite.app.gql(CONFIRM, { token }))).toBe('BAD_USER_INPUT');
  });

  it('is CONFLICT when the new address is taken, and BAD_USER_INPUT with a wrong password; nothing is sent', async () => {
    const user = await buildUser(suite.app);
    const taken = await buildUser(suite.app);
    expect(
      errorCode(await suite.app.gql(REQUEST, { e: taken.email, p: STRONG_PASSWORD }, user.token)),
    ).toBe('CONFLICT');
    const wrong = await suite.app.gql(
      REQUEST,
      { e: freshEmail(), p: 'Not-The-Password-1!' },
      user.token,
    );
    expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors![0].extensions!.field).toBe('password');
    const [row] = await suite.app.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM account_tokens WHERE user_id = $1 AND purpose = 'EMAIL_CHANGE'`,
      [user.id],
    );
    expect(row.n).toBe(0);
  });

  it('is CONFLICT at confirmation when someone took the address meanwhile', async () => {
    const user = await buildUser(suite.app);
    const newEmail = freshEmail('race');
    await suite.app.gql(REQUEST, { e: newEmail, p: STRONG_PASSWORD }, user.token);
    const token = tokenIn(
      await waitForMail(suite.inbox, newEmail, 'Confirm your new e-mail address'),
    );
    await buildUser(suite.app, { email: newEmail });
    expect(errorCode(await suite.app.gql(CONFIRM, { token }))).toBe('CONFLICT');
    expect((await suite.app.gql(`{ me { email } }`, {}, user.token)).data).toEqual({
      me: { email: user.email },
    });
  });

  it('does not carry pending invitations of the old address over to the new one', async () => {
    const owner = await buildUser(suite.app);
    const team = await buildTeam(suite.app, owner);
    const user = await buildUser(suite.app);
    const invitation = await buildInvitation(suite.app, team, { email: user.email });
    const newEmail = freshEmail('moved');
    await suite.app.gql(REQUEST, { e: newEmail, p: STRONG_PASSWORD }, user.token);
    const token = tokenIn(
      await waitForMail(suite.inbox, newEmail, 'Confirm your new e-mail address'),
    );
    expect((await suite.app.gql(CONFIRM, { token }, user.token)).errors).toBeUndefined();
    const mine = await suite.app.gql<{ myInvitations: unknown[] }>(
      `{ myInvitations { id } }`,
      {},
      user.token,
    );
    expect(mine.data?.myInvitations).toEqual([]);
    const accept = await suite.app.gql(
      `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`,
      { token: invitation.token },
      user.token,
    );
    expect(errorCode(accept)).toBe('FORBIDDEN');
  });
});

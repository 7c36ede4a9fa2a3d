import { buildTeam } from './factories/team.factory';
import { buildUser } from './factories/user.factory';
import { tokenIn, waitForMail } from './support/mail-links';
import { PRODUCTION_ENV } from './support/production-env';
import { startSmtpInbox, type SmtpInbox } from './support/smtp-inbox';
import { errorCode, startTestApp, type TestApp } from './support/test-app';
import { enableTwoFactor } from './support/two-factor';

/** The same flows with NODE_ENV=production: masked errors must keep the contract's codes. */
let inbox: SmtpInbox;
let app: TestApp;
beforeAll(async () => {
  inbox = await startSmtpInbox();
  app = await startTestApp({
    ...PRODUCTION_ENV,
    SMTP_URL: inbox.url,
    PUBLIC_URL: 'https://teams.example.test',
  });
});
afterAll(async () => {
  await app.stop();
  await inbox.close();
});

describe('account recovery in production mode', () => {
  it('resets a password by e-mailed link, and refuses a used one with BAD_USER_INPUT', async () => {
    const user = await buildUser(app);
    await app.gql(`mutation ($e: String!) { requestPasswordReset(email: $e) }`, { e: user.email });
    const token = tokenIn(await waitForMail(inbox, user.email, 'Reset your teamgraph password'));
    const reset = `mutation ($t: String!) { resetPassword(token: $t, newPassword: "Otter-Glacier-Violet-93#") }`;
    expect((await app.gql(reset, { t: token })).data).toEqual({ resetPassword: true });
    const again = await app.gql(reset, { t: token });
    expect(errorCode(again)).toBe('BAD_USER_INPUT');
    expect(again.errors![0].extensions!.field).toBe('token');
  });

  it('keeps TWO_FACTOR_REQUIRED, the FORBIDDEN reason and the CONFLICT teams through error masking', async () => {
    const owner = await buildUser(app);
    const member = await buildUser(app);
    const team = await buildTeam(app, owner, 'Prod vault');
    await app.sql(
      `INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES ($1, $2, 'MEMBER', now())`,
      [team.id, member.id],
    );
    const { recoveryCodes } = await enableTwoFactor(app, owner);
    const login = await app.gql(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: owner.email, p: owner.password },
    );
    expect(errorCode(login)).toBe('TWO_FACTOR_REQUIRED');
    await app.gql(
      `mutation ($t: ID!) { setTwoFactorRequired(teamId: $t, required: true) { id } }`,
      { t: team.id },
      owner.token,
    );
    const held = await app.gql(
      `query ($id: ID!) { team(id: $id) { name } }`,
      { id: team.id },
      member.token,
    );
    expect(held.errors![0].extensions).toEqual({
      code: 'FORBIDDEN',
      reason: 'TWO_FACTOR_REQUIRED',
    });
    const refused = await app.gql(
      `mutation ($c: String!) { deleteAccount(password: "${owner.password}", code: $c) }`,
      { c: recoveryCodes[0] },
      owner.token,
    );
    expect(refused.errors![0].extensions).toEqual({
      code: 'CONFLICT',
      teams: [{ id: team.id, name: 'Prod vault' }],
    });
    // The refusal spent nothing: the recovery code still works.
    const [{ n }] = await app.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [owner.id],
    );
    expect(n).toBe(10);
  });
});

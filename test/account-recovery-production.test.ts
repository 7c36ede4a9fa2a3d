import { buildTeam } from './factories/team.factory';
import { buildUser } from './factories/user.factory';
import { tokenIn, waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import { PRODUCTION_ENV } from './support/production-env';
import { errorCode } from './support/test-app';
import { enableTwoFactor } from './support/two-factor';

/** The same flows with NODE_ENV=production: masked errors must keep the contract's codes. */
const suite = useMailingApp({ ...PRODUCTION_ENV, PUBLIC_URL: 'https://teams.example.test' });

describe('account recovery in production mode', () => {
  it('resets a password by e-mailed link, and refuses a used one with BAD_USER_INPUT', async () => {
    const user = await buildUser(suite.app);
    await suite.app.gql(`mutation ($e: String!) { requestPasswordReset(email: $e) }`, {
      e: user.email,
    });
    const token = tokenIn(
      await waitForMail(suite.inbox, user.email, 'Reset your teamgraph password'),
    );
    const reset = `mutation ($t: String!) { resetPassword(token: $t, newPassword: "Otter-Glacier-Violet-93#") }`;
    expect((await suite.app.gql(reset, { t: token })).data).toEqual({ resetPassword: true });
    const again = await suite.app.gql(reset, { t: token });
    expect(errorCode(again)).toBe('BAD_USER_INPUT');
    expect(again.errors![0].extensions!.field).toBe('token');
  });

  it('keeps TWO_FACTOR_REQUIRED, the FORBIDDEN reason and the CONFLICT teams through error masking', async () => {
    const owner = await buildUser(suite.app);
    const member = await buildUser(suite.app);
    const team = await buildTeam(suite.app, owner, 'Prod vault');
    await suite.app.sql(
      `INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES ($1, $2, 'MEMBER', now())`,
      [team.id, member.id],
    );
    const { recoveryCodes } = await enableTwoFactor(suite.app, owner);
    const login = await suite.app.gql(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: owner.email, p: owner.password },
    );
    expect(errorCode(login)).toBe('TWO_FACTOR_REQUIRED');
    await suite.app.gql(
      `mutation ($t: ID!) { setTwoFactorRequired(teamId: $t, required: true) { id } }`,
      { t: team.id },
      owner.token,
    );
    const held = await suite.app.gql(
      `query ($id: ID!) { team(id: $id) { name } }`,
      { id: team.id },
      member.token,
    );
    expect(held.errors![0].extensions).toEqual({
      code: 'FORBIDDEN',
      reason: 'TWO_FACTOR_REQUIRED',
    });
    const refused = await suite.app.gql(
      `mutation ($c: String!) { deleteAccount(password: "${owner.password}", code: $c) }`,
      { c: recoveryCodes[0] },
      owner.token,
    );
    expect(refused.errors![0].extensions).toEqual({
      code: 'CONFLICT',
      teams: [{ id: team.id, name: 'Prod vault' }],
    });
    // The refusal spent nothing: the recovery code still works.
    const [{ n }] = await suite.app.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [owner.id],
    );
    expect(n).toBe(10);
  });
});

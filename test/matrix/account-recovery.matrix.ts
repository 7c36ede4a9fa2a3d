import { randomBytes } from 'node:crypto';
import { STRONG_PASSWORD } from '../factories/user.factory';
import {
  expectAll,
  teamExpectation,
  type Caller,
  type MatrixCase,
  type World,
} from '../support/authz-matrix';
import {
  enableTwoFactor,
  totpCode,
  BEGIN_SETUP,
  awayFromStepBoundary,
} from '../support/two-factor';

/** Account operations on the caller's own account. */
const signedIn = expectAll('ok', {
  anonymous: 'UNAUTHENTICATED',
  revokedSession: 'UNAUTHENTICATED',
});

/** Link operations: the token is the credential, so a bad one is the same answer for anyone. */
const badLink = expectAll('BAD_USER_INPUT');

/** Callers whose session works, so their account can be set up through the API. */
const hasSession = (caller: Caller) => caller !== 'anonymous' && caller !== 'revokedSession';

/** Two-factor on for the caller (when they can sign in), returning a recovery code to use. */
async function withTwoFactor(world: World, caller: Caller): Promise<string> {
  if (!hasSession(caller)) return 'aaaaa-aaaaa';
  const token = world.tokenOf(caller)!;
  const { recoveryCodes } = await enableTwoFactor(world.app, { token });
  return recoveryCodes[0];
}

export const cases: MatrixCase[] = [
  {
    operation: 'requestPasswordReset',
    mutation: true,
    document: `mutation ($email: String!) { requestPasswordReset(email: $email) }`,
    variables: (world) => ({ email: world.target.email }),
    // The link is issued after the answer (so its timing tells nothing about the address).
    finished: async (world) =>
      (
        await world.app.sql(
          `SELECT 1 FROM account_tokens WHERE user_id = $1 AND purpose = 'PASSWORD_RESET'`,
          [world.target.id],
        )
      ).length > 0,
    expect: expectAll('ok'),
  },
  {
    operation: 'resetPassword',
    mutation: true,
    document: `mutation ($token: String!) { resetPassword(token: $token, newPassword: "Harbor-Pelican-Saffron-82?") }`,
    variables: () => ({ token: randomBytes(32).toString('base64url') }),
    expect: badLink,
  },
  {
    operation: 'verifyEmail',
    mutation: true,
    document: `mutation ($token: String!) { verifyEmail(token: $token) }`,
    variables: () => ({ token: randomBytes(32).toString('base64url') }),
    expect: badLink,
  },
  {
    operation: 'confirmEmailChange',
    mutation: true,
    document: `mutation ($token: String!) { confirmEmailChange(token: $token) { id } }`,
    variables: () => ({ token: randomBytes(32).toString('base64url') }),
    expect: badLink,
  },
  {
    operation: 'revertEmailChange',
    mutation: true,
    document: `mutation ($token: String!) { revertEmailChange(token: $token) }`,
    variables: () => ({ token: randomBytes(32).toString('base64url') }),
    expect: badLink,
  },
  {
    operation: 'revertTwoFactorSetup',
    mutation: true,
    document: `mutation ($token: String!) { revertTwoFactorSetup(token: $token) }`,
    variables: () => ({ token: randomBytes(32).toString('base64url') }),
    expect: badLink,
  },
  {
    operation: 'resendVerificationEmail',
    mutation: true,
    document: `mutation { resendVerificationEmail }`,
    expect: signedIn,
  },
  {
    operation: 'requestEmailChange',
    mutation: true,
    document: `mutation ($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) }`,
    variables: () => ({
      e: `moved-${randomBytes(4).toString('hex')}@example.com`,
      p: STRONG_PASSWORD,
    }),
    expect: signedIn,
  },
  {
    operation: 'deleteAccount',
    mutation: true,
    document: `mutation ($p: String!) { deleteAccount(password: $p) }`,
    variables: () => ({ p: STRONG_PASSWORD }),
    // The OWNER must hand the team over first.
    expect: { ...signedIn, OWNER: 'CONFLICT' },
  },
  {
    operation: 'beginTwoFactorSetup',
    mutation: true,
    document: `mutation { beginTwoFactorSetup { otpauthUri } }`,
    expect: signedIn,
  },
  {
    operation: 'confirmTwoFactorSetup',
    mutation: true,
    prepare: async (world, caller) => {
      if (!hasSession(caller)) return { code: '000000' };
      const begun = await world.app.gql<{ beginTwoFactorSetup: { secret: string } }>(
        BEGIN_SETUP,
        {},
        world.tokenOf(caller),
      );
      await awayFromStepBoundary();
      return { code: await totpCode(begun.data!.beginTwoFactorSetup.secret) };
    },
    document: `mutation ($code: String!) { confirmTwoFactorSetup(code: $code) }`,
    expect: signedIn,
  },
  {
    operation: 'disableTwoFactor',
    mutation: true,
    prepare: async (world, caller) => ({ code: await withTwoFactor(world, caller) }),
    document: `mutation ($code: String!) { disableTwoFactor(password: "${STRONG_PASSWORD}", code: $code) }`,
    expect: signedIn,
  },
  {
    operation: 'regenerateRecoveryCodes',
    mutation: true,
    prepare: async (world, caller) => ({ code: await withTwoFactor(world, caller) }),
    document: `mutation ($code: String!) { regenerateRecoveryCodes(code: $code) }`,
    expect: signedIn,
  },
  {
    operation: 'setTwoFactorRequired',
    mutation: true,
    // Each caller has two-factor on, so the only question is the role.
    prepare: async (world, caller) => {
      await withTwoFactor(world, caller);
      return { teamId: world.team.id };
    },
    document: `mutation ($teamId: ID!) { setTwoFactorRequired(teamId: $teamId, required: true) { twoFactorRequired } }`,
    expect: teamExpectation({ OWNER: 'ok' }),
  },
];

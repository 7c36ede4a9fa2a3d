import { randomBytes } from 'node:crypto';
import { STRONG_PASSWORD } from '../factories/user.factory';
import { expectAll, type MatrixCase } from '../support/authz-matrix';
import { insertUser } from '../support/fast-users';

/** Account operations: anyone, or any signed-in user on their own account. */
const signedIn = expectAll('ok', {
  anonymous: 'UNAUTHENTICATED',
  revokedSession: 'UNAUTHENTICATED',
});

export const cases: MatrixCase[] = [
  {
    operation: 'signUp',
    mutation: true,
    document: `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`,
    variables: () => ({
      input: {
        email: `new-${randomBytes(4).toString('hex')}@example.com`,
        password: STRONG_PASSWORD,
        displayName: 'New',
      },
    }),
    expect: expectAll('ok'),
  },
  {
    operation: 'logIn',
    mutation: true,
    prepare: async (world) => {
      const user = await insertUser(world.app);
      return { email: user.email, password: user.password };
    },
    document: `mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }`,
    expect: expectAll('ok'),
  },
  { operation: 'me', document: `{ me { id } }`, expect: expectAll('ok') },
  {
    operation: 'rateLimit',
    document: `{ rateLimit { limit cost remaining resetAt } }`,
    expect: expectAll('ok'),
  },
  { operation: 'mySessions', document: `{ mySessions { id current } }`, expect: signedIn },
  { operation: 'logOut', mutation: true, document: `mutation { logOut }`, expect: signedIn },
  {
    operation: 'revokeOtherSessions',
    mutation: true,
    document: `mutation { revokeOtherSessions }`,
    expect: signedIn,
  },
  {
    operation: 'revokeSession',
    mutation: true,
    // Somebody else's session: NOT_FOUND for every signed-in caller (own sessions only).
    prepare: async (world) => {
      const [row] = await world.app.sql<{ id: string }>(
        `SELECT id FROM sessions WHERE user_id = $1`,
        [world.target.id],
      );
      return { id: row.id };
    },
    document: `mutation ($id: ID!) { revokeSession(id: $id) }`,
    expect: expectAll('NOT_FOUND', {
      anonymous: 'UNAUTHENTICATED',
      revokedSession: 'UNAUTHENTICATED',
    }),
  },
  {
    operation: 'confirmIdentity',
    mutation: true,
    document: `mutation ($p: String!) { confirmIdentity(password: $p) }`,
    variables: () => ({ p: STRONG_PASSWORD }),
    expect: signedIn,
  },
  {
    operation: 'changePassword',
    mutation: true,
    document: `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`,
    variables: () => ({ c: STRONG_PASSWORD, n: 'Harbor-Pelican-Saffron-82?' }),
    expect: signedIn,
  },
  {
    operation: 'updateProfile',
    mutation: true,
    document: `mutation { updateProfile(input: { displayName: "Renamed" }) { id displayName } }`,
    expect: signedIn,
  },
  {
    operation: 'user',
    // A member's profile: visible to themself and their teammates only.
    document: `query ($id: ID!) { user(id: $id) { id displayName email } }`,
    variables: (world) => ({ id: world.users.MEMBER.id }),
    expect: {
      anonymous: 'UNAUTHENTICATED',
      revokedSession: 'UNAUTHENTICATED',
      outsider: 'FORBIDDEN',
      removedMember: 'FORBIDDEN',
      MEMBER: 'ok',
      ADMIN: 'ok',
      OWNER: 'ok',
    },
  },
];

import { randomUUID } from 'node:crypto';
import { buildInvitation, freshEmail } from '../factories/invitation.factory';
import { markEmailVerified } from '../factories/user.factory';
import {
  expectAll,
  teamExpectation,
  type Caller,
  type MatrixCase,
  type World,
} from '../support/authz-matrix';

/** Callers who can hold an invitation to their own address (members cannot be invited). */
const invitable = (caller: Caller) => caller === 'outsider' || caller === 'removedMember';

/** An invitation addressed to the caller when they can be invited, else to someone else. */
const invitationForCaller = async (world: World, caller: Caller) => {
  const email = invitable(caller) ? world.users[caller as 'outsider'].email : freshEmail();
  const { token } = await buildInvitation(world.app, world.team, { email });
  return { token };
};

/** As `invitationForCaller`, by id, with the invitee's address proven (what `myInvitations` needs). */
const myInvitationForCaller = async (world: World, caller: Caller) => {
  const email = invitable(caller) ? world.users[caller as 'outsider'].email : freshEmail();
  if (invitable(caller)) await markEmailVerified(world.app, world.users[caller as 'outsider']);
  return { id: (await buildInvitation(world.app, world.team, { email })).id };
};

const invitationId =
  (role: 'ADMIN' | 'MEMBER' = 'MEMBER') =>
  async (world: World) => ({ id: (await buildInvitation(world.app, world.team, { role })).id });

/** Only the addressee may accept or decline; everyone else signed in is FORBIDDEN. */
const addresseeOnly = {
  anonymous: 'UNAUTHENTICATED',
  revokedSession: 'UNAUTHENTICATED',
  outsider: 'ok',
  removedMember: 'ok',
  MEMBER: 'FORBIDDEN',
  ADMIN: 'FORBIDDEN',
  OWNER: 'FORBIDDEN',
} as const;

export const cases: MatrixCase[] = [
  {
    operation: 'inviteMember',
    mutation: true,
    document: `mutation ($teamId: ID!, $email: String!) { inviteMember(teamId: $teamId, email: $email) { token invitation { id status } } }`,
    variables: (world) => ({ teamId: world.team.id, email: freshEmail() }),
    expect: teamExpectation({ ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'inviteMember',
    mutation: true,
    // Only the OWNER invites as ADMIN.
    document: `mutation ($teamId: ID!, $email: String!) { inviteMember(teamId: $teamId, email: $email, role: ADMIN) { token } }`,
    variables: (world) => ({ teamId: world.team.id, email: freshEmail() }),
    expect: teamExpectation({ OWNER: 'ok' }),
  },
  {
    operation: 'inviteMember',
    mutation: true,
    // Nobody invites as OWNER: a validation error for those allowed to invite at all.
    document: `mutation ($teamId: ID!, $email: String!) { inviteMember(teamId: $teamId, email: $email, role: OWNER) { token } }`,
    variables: (world) => ({ teamId: world.team.id, email: freshEmail() }),
    expect: teamExpectation({ ADMIN: 'BAD_USER_INPUT', OWNER: 'BAD_USER_INPUT' }),
  },
  {
    operation: 'resendInvitation',
    mutation: true,
    prepare: invitationId(),
    document: `mutation ($id: ID!) { resendInvitation(id: $id) { token invitation { id status } } }`,
    expect: teamExpectation({ ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'resendInvitation',
    mutation: true,
    // Re-issuing an ADMIN invitation is inviting as ADMIN: the OWNER only.
    prepare: invitationId('ADMIN'),
    document: `mutation ($id: ID!) { resendInvitation(id: $id) { token } }`,
    expect: teamExpectation({ OWNER: 'ok' }),
  },
  {
    operation: 'resendInvitation',
    mutation: true,
    // An id that does not exist looks the same as another team's.
    document: `mutation ($id: ID!) { resendInvitation(id: $id) { token } }`,
    variables: () => ({ id: randomUUID() }),
    expect: teamExpectation({}),
  },
  {
    operation: 'revokeInvitation',
    mutation: true,
    prepare: invitationId(),
    document: `mutation ($id: ID!) { revokeInvitation(id: $id) { id status } }`,
    expect: teamExpectation({ ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'revokeInvitation',
    mutation: true,
    document: `mutation ($id: ID!) { revokeInvitation(id: $id) { id } }`,
    variables: () => ({ id: 'not-a-uuid' }),
    // Not an id at all: refused at the edge, for every caller, before any rule looks at it.
    expect: expectAll('BAD_USER_INPUT'),
  },
  {
    operation: 'acceptInvitation',
    mutation: true,
    prepare: invitationForCaller,
    document: `mutation ($token: String!) { acceptInvitation(token: $token) { role team { id name } user { id } } }`,
    expect: addresseeOnly,
  },
  {
    operation: 'declineInvitation',
    mutation: true,
    prepare: invitationForCaller,
    document: `mutation ($token: String!) { declineInvitation(token: $token) }`,
    expect: addresseeOnly,
  },
  {
    operation: 'acceptMyInvitation',
    mutation: true,
    prepare: myInvitationForCaller,
    document: `mutation ($id: ID!) { acceptMyInvitation(id: $id) { role team { id name } user { id } } }`,
    expect: addresseeOnly,
  },
  {
    operation: 'declineMyInvitation',
    mutation: true,
    prepare: myInvitationForCaller,
    document: `mutation ($id: ID!) { declineMyInvitation(id: $id) }`,
    expect: addresseeOnly,
  },
  {
    operation: 'invitationPreview',
    prepare: async (world) => ({
      token: (await buildInvitation(world.app, world.team)).token,
    }),
    document: `query ($token: String!) { invitationPreview(token: $token) { teamName inviterName role expiresAt } }`,
    expect: expectAll('ok'),
  },
  {
    operation: 'myInvitations',
    prepare: async (world, caller) => {
      if (invitable(caller)) await invitationForCaller(world, caller);
      return {};
    },
    document: `query { myInvitations { id email role status teamName invitedBy { id } expiresAt } }`,
    expect: expectAll('ok', { anonymous: 'UNAUTHENTICATED', revokedSession: 'UNAUTHENTICATED' }),
  },
  {
    operation: 'team',
    // Team.invitations: OWNER and ADMIN only; a MEMBER sees the team but not its invitations.
    prepare: async (world) => {
      await buildInvitation(world.app, world.team);
      return {};
    },
    document: `query ($id: ID!) { team(id: $id) { id invitations(status: PENDING) { id email status } } }`,
    variables: (world) => ({ id: world.team.id }),
    expect: teamExpectation({ ADMIN: 'ok', OWNER: 'ok' }),
  },
];

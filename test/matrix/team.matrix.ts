import { expectAll, teamExpectation, type MatrixCase } from '../support/authz-matrix';

const teamVars =
  (
    extra: (
      w: Parameters<NonNullable<MatrixCase['variables']>>[0],
    ) => Record<string, unknown> = () => ({}),
  ) =>
  (world: Parameters<NonNullable<MatrixCase['variables']>>[0]) => ({
    teamId: world.team.id,
    ...extra(world),
  });

export const cases: MatrixCase[] = [
  {
    operation: 'team',
    document: `query ($id: ID!) { team(id: $id) { id name myRole members { role user { id } } } }`,
    variables: (world) => ({ id: world.team.id }),
    expect: teamExpectation({ MEMBER: 'ok', ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'createTeam',
    mutation: true,
    document: `mutation { createTeam(input: { name: "Another" }) { id } }`,
    expect: expectAll('ok', { anonymous: 'UNAUTHENTICATED', revokedSession: 'UNAUTHENTICATED' }),
  },
  {
    operation: 'renameTeam',
    mutation: true,
    document: `mutation ($teamId: ID!) { renameTeam(teamId: $teamId, name: "Renamed") { id name } }`,
    variables: teamVars(),
    expect: teamExpectation({ ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'deleteTeam',
    mutation: true,
    document: `mutation ($teamId: ID!) { deleteTeam(teamId: $teamId) }`,
    variables: teamVars(),
    expect: teamExpectation({ OWNER: 'ok' }),
  },
  {
    operation: 'changeMemberRole',
    mutation: true,
    document: `mutation ($teamId: ID!, $userId: ID!) { changeMemberRole(teamId: $teamId, userId: $userId, role: ADMIN) { role } }`,
    variables: teamVars((w) => ({ userId: w.target.id })),
    expect: teamExpectation({ OWNER: 'ok' }),
  },
  {
    operation: 'removeMember',
    mutation: true,
    document: `mutation ($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) }`,
    variables: teamVars((w) => ({ userId: w.target.id })),
    expect: teamExpectation({ ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'removeMember',
    mutation: true,
    // Removing an ADMIN: the OWNER only.
    document: `mutation ($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) }`,
    variables: teamVars((w) => ({ userId: w.users.ADMIN.id })),
    expect: teamExpectation({ OWNER: 'ok' }),
  },
  {
    operation: 'leaveTeam',
    mutation: true,
    document: `mutation ($teamId: ID!) { leaveTeam(teamId: $teamId) }`,
    variables: teamVars(),
    expect: teamExpectation({ MEMBER: 'ok', ADMIN: 'ok' }),
  },
  {
    operation: 'transferOwnership',
    mutation: true,
    document: `mutation ($teamId: ID!, $userId: ID!) { transferOwnership(teamId: $teamId, userId: $userId) { id myRole } }`,
    variables: teamVars((w) => ({ userId: w.target.id })),
    expect: teamExpectation({ OWNER: 'ok' }),
  },
];

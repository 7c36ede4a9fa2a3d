import { expectAll, teamExpectation, type MatrixCase } from '../support/authz-matrix';

const members = teamExpectation({ MEMBER: 'ok', ADMIN: 'ok', OWNER: 'ok' });

export const cases: MatrixCase[] = [
  {
    operation: 'verifyActivityLog',
    document: `query ($teamId: ID!) { verifyActivityLog(teamId: $teamId) { intact checkedCount firstBrokenSeq } }`,
    variables: (world) => ({ teamId: world.team.id }),
    expect: members,
  },
  {
    operation: 'markActivityRead',
    mutation: true,
    document: `mutation ($teamId: ID!) { markActivityRead(teamId: $teamId, upToSeq: 1) { id lastReadSeq unreadCount } }`,
    variables: (world) => ({ teamId: world.team.id }),
    expect: members,
  },
  {
    operation: 'team',
    // The feed, its filter and the actor/team edges it reaches; unread counts.
    document: `query ($id: ID!) { team(id: $id) {
      unreadCount lastReadSeq
      activity(first: 3, filter: { actions: [TEAM_CREATED, MEMBER_REMOVED] }) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { seq action summary details hash actor { id } team { id } } }
      } } }`,
    variables: (world) => ({ id: world.team.id }),
    expect: members,
  },
  {
    operation: 'signingKeys',
    document: `{ signingKeys { keyId publicKey validFrom validUntil } }`,
    expect: expectAll('ok'),
  },
  {
    operation: 'activityCheckpoint',
    // Signs the current checkpoint when none is stored for the tree's size yet.
    writesWhenAllowed: true,
    document: `query ($teamId: ID!) { activityCheckpoint(teamId: $teamId) { teamId treeSize rootHash timestamp keyId signature witnesses } }`,
    variables: (world) => ({ teamId: world.team.id }),
    expect: members,
  },
  {
    operation: 'activityInclusionProof',
    document: `query ($teamId: ID!) { activityInclusionProof(teamId: $teamId, seq: 1, treeSize: 2) }`,
    variables: (world) => ({ teamId: world.team.id }),
    expect: members,
  },
  {
    operation: 'activityConsistencyProof',
    document: `query ($teamId: ID!) { activityConsistencyProof(teamId: $teamId, fromSize: 1, toSize: 2) }`,
    variables: (world) => ({ teamId: world.team.id }),
    expect: members,
  },
  {
    operation: 'witnessCheckpoint',
    mutation: true,
    // The checkpoint a member's client would have verified (read by the owner beforehand).
    prepare: async (world) => {
      const answer = await world.app.gql<{
        activityCheckpoint: { treeSize: number; rootHash: string };
      }>(
        `query ($teamId: ID!) { activityCheckpoint(teamId: $teamId) { treeSize rootHash } }`,
        { teamId: world.team.id },
        world.tokenOf('OWNER'),
      );
      return answer.data!.activityCheckpoint;
    },
    document: `mutation ($teamId: ID!, $treeSize: Int!, $rootHash: String!) {
      witnessCheckpoint(teamId: $teamId, treeSize: $treeSize, rootHash: $rootHash) { treeSize witnesses } }`,
    variables: (world) => ({ teamId: world.team.id }),
    expect: members,
  },
];

import { teamExpectation, type MatrixCase } from '../support/authz-matrix';

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
];

// The compiler's source (see team-activity.ts): never run, only read by relay-compiler.
import { graphql } from 'relay-runtime';

export const teamMembersFragment = graphql`
  fragment teamMembers_team on Team
  @refetchable(queryName: "teamMembersPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" }) {
    memberConnection(first: $count, after: $cursor)
      @connection(key: "teamMembers_memberConnection") {
      totalCount
      edges {
        node {
          role
          joinedAt
          user {
            id
            displayName
          }
        }
      }
    }
  }
`;

export const teamMembersQuery = graphql`
  query teamMembersQuery($teamId: ID!, $count: Int!) {
    team(id: $teamId) {
      ...teamMembers_team @arguments(count: $count)
    }
  }
`;

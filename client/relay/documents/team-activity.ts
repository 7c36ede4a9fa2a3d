// The compiler's source: relay-compiler reads these tags and writes ../__generated__/. They are
// never run (without the Babel plugin, `graphql` throws); run-time code imports the artifacts.
import { graphql } from 'relay-runtime';

export const teamActivityFragment = graphql`
  fragment teamActivity_team on Team
  @refetchable(queryName: "teamActivityPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" }) {
    name
    activity(first: $count, after: $cursor) @connection(key: "teamActivity_activity") {
      totalCount
      edges {
        node {
          id
          seq
          action
          summary
          subjectId
          actor {
            id
            displayName
          }
        }
      }
    }
  }
`;

export const teamActivityQuery = graphql`
  query teamActivityQuery($teamId: ID!, $count: Int!) {
    team(id: $teamId) {
      ...teamActivity_team @arguments(count: $count)
    }
  }
`;

export const teamActivitySubscription = graphql`
  subscription teamActivitySubscription($teamId: ID!, $afterSeq: Int, $connections: [ID!]!) {
    teamActivity(teamId: $teamId, afterSeq: $afterSeq)
      @prependNode(connections: $connections, edgeTypeName: "ActivityEdge") {
      id
      seq
      action
      summary
      subjectId
      actor {
        id
        displayName
      }
    }
  }
`;

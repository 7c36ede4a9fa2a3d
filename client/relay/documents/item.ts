// The compiler's source (see team-activity.ts): never run, only read by relay-compiler.
import { graphql } from 'relay-runtime';

export const itemFragment = graphql`
  fragment item_item on Item @refetchable(queryName: "itemRefetchQuery") {
    id
    title
    content
    version
    updatedBy {
      id
      displayName
    }
  }
`;

export const itemQuery = graphql`
  query itemQuery($id: ID!) {
    item(id: $id) {
      ...item_item
    }
  }
`;

export const itemCreateMutation = graphql`
  mutation itemCreateMutation($teamId: ID!, $input: CreateItemInput!) {
    createItem(teamId: $teamId, input: $input) {
      id
      ...item_item
    }
  }
`;

export const itemUpdateMutation = graphql`
  mutation itemUpdateMutation($id: ID!, $input: UpdateItemInput!, $expectedVersion: Int) {
    updateItem(id: $id, input: $input, expectedVersion: $expectedVersion) {
      id
      ...item_item
    }
  }
`;

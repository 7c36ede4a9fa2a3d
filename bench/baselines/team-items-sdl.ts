/** The team, its members and its first page of items: the types both HTTP baselines serve. */
export const TEAM_ITEMS_SDL = /* GraphQL */ `
  scalar JSONObject
  input UpdateItemInput {
    title: String
    content: JSONObject
  }
  type Team {
    id: ID!
    name: String!
    members: [Membership!]!
    items(first: Int, after: String): ItemConnection!
  }
  type Membership {
    role: String!
    user: User!
  }
  type User {
    id: ID!
    displayName: String!
  }
  type Item {
    id: ID!
    title: String!
    content: JSONObject
    version: Int!
    createdBy: User!
  }
  type ItemEdge {
    cursor: String!
    node: Item!
  }
  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }
  type ItemConnection {
    edges: [ItemEdge!]!
    pageInfo: PageInfo!
  }
`;

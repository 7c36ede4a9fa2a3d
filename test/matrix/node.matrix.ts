import { expectAll, type MatrixCase } from '../support/authz-matrix';

/**
 * Object identification: signed in only, as `user(id)`. Whoever may not see the object gets
 * null, never an error (so existence never leaks); test/relay-nodes.test.ts checks which.
 */
const signedIn = expectAll('ok', {
  anonymous: 'UNAUTHENTICATED',
  revokedSession: 'UNAUTHENTICATED',
});

export const cases: MatrixCase[] = [
  {
    operation: 'node',
    document: `query ($id: ID!) { node(id: $id) { id ... on Team { name } } }`,
    variables: (world) => ({ id: world.team.id }),
    expect: signedIn,
  },
  {
    operation: 'nodes',
    document: `query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { displayName email } } }`,
    variables: (world) => ({ ids: [world.team.id, world.users.MEMBER.id] }),
    expect: signedIn,
  },
];

import { buildTeam } from '../factories/team.factory';
import type { TestUser } from '../factories/user.factory';
import { teamExpectation, type MatrixCase, type World } from '../support/authz-matrix';
import { insertUser } from '../support/fast-users';

/** Creates an item through the API as `author` (a member of the world's team). */
async function itemBy(world: World, author: TestUser, teamId = world.team.id): Promise<string> {
  const response = await world.app.gql<{ createItem: { id: string } }>(
    `mutation ($teamId: ID!) { createItem(teamId: $teamId, input: { title: "Matrix item", content: { a: 1 } }) { id } }`,
    { teamId },
    author.token,
  );
  if (!response.data?.createItem) throw new Error(JSON.stringify(response.errors));
  return response.data.createItem.id;
}

/** An item in a team none of the callers belongs to. */
async function foreignItem(world: World): Promise<string> {
  const stranger = await insertUser(world.app);
  const team = await buildTeam(world.app, stranger, 'Foreign team');
  return itemBy(world, stranger, team.id);
}

const ITEM_QUERY = `query ($id: ID!) { item(id: $id) { id title content version createdBy { id } updatedBy { id } team { id } } }`;
const UPDATE = `mutation ($id: ID!) { updateItem(id: $id, input: { title: "Changed" }, expectedVersion: 1) { id version } }`;
const DELETE = `mutation ($id: ID!) { deleteItem(id: $id, expectedVersion: 1) }`;
/** Outside the team, an unknown or foreign item id is FORBIDDEN like any other. */
const nobody = teamExpectation({});

export const cases: MatrixCase[] = [
  {
    operation: 'createItem',
    mutation: true,
    document: `mutation ($teamId: ID!) { createItem(teamId: $teamId, input: { title: "New", content: {} }) { id version } }`,
    variables: (world) => ({ teamId: world.team.id }),
    expect: teamExpectation({ MEMBER: 'ok', ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'item',
    document: ITEM_QUERY,
    prepare: async (world) => ({ id: await itemBy(world, world.target) }),
    expect: teamExpectation({ MEMBER: 'ok', ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'item',
    document: ITEM_QUERY,
    prepare: async (world) => ({ id: await foreignItem(world) }),
    expect: nobody,
  },
  {
    operation: 'item',
    document: ITEM_QUERY,
    variables: () => ({ id: '6f1c1d2e-0000-4000-8000-000000000000' }),
    expect: nobody,
  },
  {
    operation: 'updateItem',
    mutation: true,
    document: UPDATE,
    prepare: async (world) => ({ id: await itemBy(world, world.target) }),
    expect: teamExpectation({ MEMBER: 'ok', ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'updateItem',
    mutation: true,
    document: UPDATE,
    prepare: async (world) => ({ id: await foreignItem(world) }),
    expect: nobody,
  },
  {
    operation: 'deleteItem',
    mutation: true,
    // Someone else's item: ADMINs and the OWNER only.
    document: DELETE,
    prepare: async (world) => ({ id: await itemBy(world, world.target) }),
    expect: teamExpectation({ ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'deleteItem',
    mutation: true,
    // The caller's own item (members only can have one): its creator may delete it.
    document: DELETE,
    prepare: async (world, caller) => {
      const author =
        caller === 'MEMBER' || caller === 'ADMIN' || caller === 'OWNER'
          ? world.users[caller]
          : world.target;
      return { id: await itemBy(world, author) };
    },
    expect: teamExpectation({ MEMBER: 'ok', ADMIN: 'ok', OWNER: 'ok' }),
  },
  {
    operation: 'deleteItem',
    mutation: true,
    document: DELETE,
    prepare: async (world) => ({ id: await foreignItem(world) }),
    expect: nobody,
  },
  {
    operation: 'team',
    // Team.items and the authors it reaches.
    document: `query ($id: ID!) { team(id: $id) { items(first: 5) { totalCount edges { cursor node { id createdBy { id } } } pageInfo { hasNextPage endCursor } } } }`,
    prepare: async (world) => {
      await itemBy(world, world.target);
      return { id: world.team.id };
    },
    expect: teamExpectation({ MEMBER: 'ok', ADMIN: 'ok', OWNER: 'ok' }),
  },
];

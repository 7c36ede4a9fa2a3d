import fc from 'fast-check';
import { buildInvitation, freshEmail, type TestInvitation } from '../factories/invitation.factory';
import { addMember, buildTeam, type TestTeam } from '../factories/team.factory';
import type { TestUser } from '../factories/user.factory';
import { insertUsers } from './fast-users';
import type { GraphqlResponse, TestApp } from './test-app';

/**
 * A small world of one team and the people around it, the account and team operations they
 * can send, and what the database holds of them afterwards (in the world's own names), for
 * tests of requests that meet.
 */
export const PEOPLE = ['owner', 'admin', 'member', 'invitee'] as const;
export type Person = (typeof PEOPLE)[number];

export interface World {
  team: TestTeam;
  people: Record<Person, TestUser>;
  /** The invitee's pending invitation to the team (as MEMBER). */
  invitation: TestInvitation;
}

export async function buildWorld(app: TestApp): Promise<World> {
  const [owner, admin, member, invitee] = await insertUsers(app, 4);
  const team = await buildTeam(app, owner, 'World');
  await addMember(app, team, 'ADMIN', admin);
  await addMember(app, team, 'MEMBER', member);
  const invitation = await buildInvitation(app, team, { email: invitee.email });
  return { team, people: { owner, admin, member, invitee }, invitation };
}

export type Operation =
  | { kind: 'deleteAccount'; actor: Person }
  | { kind: 'createTeam'; actor: Person }
  | { kind: 'renameTeam'; actor: Person }
  | { kind: 'updateProfile'; actor: Person }
  | { kind: 'createItem'; actor: Person }
  | { kind: 'leaveTeam'; actor: Person }
  | { kind: 'acceptInvitation' }
  | { kind: 'inviteStranger'; actor: Person }
  | { kind: 'transferOwnership'; target: Person }
  | { kind: 'removeMember'; target: Person }
  | { kind: 'changeMemberRole'; target: Person; role: 'ADMIN' | 'MEMBER' };

const person = fc.constantFrom(...PEOPLE);

/** Any operation of the world, by anyone in it (the owner for the owner-only ones). */
export const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('deleteAccount' as const), actor: person }),
  fc.record({ kind: fc.constant('createTeam' as const), actor: person }),
  fc.record({ kind: fc.constant('renameTeam' as const), actor: person }),
  fc.record({ kind: fc.constant('updateProfile' as const), actor: person }),
  fc.record({ kind: fc.constant('createItem' as const), actor: person }),
  fc.record({ kind: fc.constant('leaveTeam' as const), actor: person }),
  fc.record({ kind: fc.constant('acceptInvitation' as const) }),
  fc.record({ kind: fc.constant('inviteStranger' as const), actor: person }),
  fc.record({ kind: fc.constant('transferOwnership' as const), target: person }),
  fc.record({ kind: fc.constant('removeMember' as const), target: person }),
  fc.record({
    kind: fc.constant('changeMemberRole' as const),
    target: person,
    role: fc.constantFrom('ADMIN' as const, 'MEMBER' as const),
  }),
);

export const describeOperation = (op: Operation): string => Object.values(op).join(' ');

/** Sends `op` to `app` as the person it names. */
export function send(app: TestApp, world: World, op: Operation): Promise<GraphqlResponse> {
  const { team, people } = world;
  const teamId = team.id;
  switch (op.kind) {
    case 'deleteAccount':
      return app.gql(
        `mutation ($p: String!) { deleteAccount(password: $p) }`,
        { p: people[op.actor].password },
        people[op.actor].token,
      );
    case 'createTeam':
      return app.gql(
        `mutation ($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
        { input: { name: `Founded by ${op.actor}` } },
        people[op.actor].token,
      );
    case 'renameTeam':
      return app.gql(
        `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`,
        { teamId, name: `Renamed by ${op.actor}` },
        people[op.actor].token,
      );
    case 'updateProfile':
      return app.gql(
        `mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }`,
        { input: { displayName: `New name of ${op.actor}` } },
        people[op.actor].token,
      );
    case 'createItem':
      return app.gql(
        `mutation ($teamId: ID!, $input: CreateItemInput!) { createItem(teamId: $teamId, input: $input) { id } }`,
        { teamId, input: { title: `By ${op.actor}`, content: {} } },
        people[op.actor].token,
      );
    case 'leaveTeam':
      return app.gql(
        `mutation ($teamId: ID!) { leaveTeam(teamId: $teamId) }`,
        { teamId },
        people[op.actor].token,
      );
    case 'acceptInvitation':
      return app.gql(
        `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`,
        { token: world.invitation.token },
        people.invitee.token,
      );
    case 'inviteStranger':
      return app.gql(
        `mutation ($teamId: ID!, $email: String!) { inviteMember(teamId: $teamId, email: $email) { token } }`,
        { teamId, email: freshEmail(`stranger-of-${op.actor}`) },
        people[op.actor].token,
      );
    case 'transferOwnership':
      return app.gql(
        `mutation ($teamId: ID!, $userId: ID!) { transferOwnership(teamId: $teamId, userId: $userId) { id } }`,
        { teamId, userId: people[op.target].id },
        people.owner.token,
      );
    case 'removeMember':
      return app.gql(
        `mutation ($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) }`,
        { teamId, userId: people[op.target].id },
        people.owner.token,
      );
    case 'changeMemberRole':
      return app.gql(
        `mutation ($teamId: ID!, $userId: ID!, $role: Role!) { changeMemberRole(teamId: $teamId, userId: $userId, role: $role) { role } }`,
        { teamId, userId: people[op.target].id, role: op.role },
        people.owner.token,
      );
  }
}

/** An answer as the tests compare them: done, or refused with its code. */
export const outcome = (response: GraphqlResponse): string =>
  response.errors?.length ? String(response.errors[0].extensions?.code) : 'ok';

/** What the database holds of the world, in its own names (ids and tokens left out). */
export async function worldState(app: TestApp, world: World): Promise<Record<string, unknown>> {
  const name = new Map(PEOPLE.map((p) => [world.people[p].id, p]));
  const ids = PEOPLE.map((p) => world.people[p].id);
  const who = (id: string) => name.get(id) ?? 'someone else';
  const [team] = await app.sql<{ name: string }>(`SELECT name FROM teams WHERE id = $1`, [
    world.team.id,
  ]);
  const memberships = await app.sql<{ user_id: string; role: string; world: boolean }>(
    `SELECT user_id, role, team_id = $2 AS world FROM memberships
      WHERE user_id = ANY($1::uuid[]) ORDER BY user_id, team_id`,
    [ids, world.team.id],
  );
  const users = await app.sql<{ id: string; display_name: string; deleted: boolean }>(
    `SELECT id, display_name, deleted_at IS NOT NULL AS deleted FROM users
      WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const items = await app.sql<{ created_by_id: string }>(
    `SELECT created_by_id FROM items WHERE team_id = $1`,
    [world.team.id],
  );
  const invitations = await app.sql<{ invited_by_id: string; status: string; invitee: boolean }>(
    `SELECT invited_by_id, status, id = $2 AS invitee FROM invitations WHERE team_id = $1`,
    [world.team.id, world.invitation.id],
  );
  const sorted = (rows: string[]) => rows.sort();
  return {
    teamName: team?.name ?? null,
    memberships: sorted(
      memberships.map((m) => `${who(m.user_id)} ${m.role} ${m.world ? 'in World' : 'elsewhere'}`),
    ),
    people: sorted(
      users.map(
        (u) =>
          `${who(u.id)} ${u.deleted ? 'deleted' : 'live'} ${u.display_name.startsWith('New name') ? 'renamed' : u.display_name === 'a deleted user' ? 'erased' : 'as before'}`,
      ),
    ),
    items: sorted(items.map((i) => who(i.created_by_id))),
    invitations: sorted(
      invitations.map(
        (i) =>
          `${i.invitee ? 'to invitee' : 'to a stranger'} by ${who(i.invited_by_id)} ${i.status}`,
      ),
    ),
  };
}

/**
 * The promises that hold whatever met: one owner per team, and nothing owned, joined, named
 * or still acting for an erased account. Read across the whole database.
 */
export async function promisesBroken(app: TestApp): Promise<Record<string, number>> {
  const [row] = await app.sql<Record<string, number>>(
    `SELECT
       (SELECT count(*)::int FROM teams t
         WHERE (SELECT count(*) FROM memberships m
                 WHERE m.team_id = t.id AND m.role = 'OWNER') <> 1) AS "teams without one owner",
       (SELECT count(*)::int FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE u.deleted_at IS NOT NULL) AS "memberships of erased accounts",
       (SELECT count(*)::int FROM users
         WHERE deleted_at IS NOT NULL
           AND (display_name <> 'a deleted user' OR email NOT LIKE '%@deleted.invalid'
                OR cardinality(former_display_names) > 0)) AS "erased accounts with a name",
       (SELECT count(*)::int FROM invitations i JOIN users u ON u.id = i.invited_by_id
         WHERE u.deleted_at IS NOT NULL AND i.status = 'PENDING') AS "pending invitations from erased accounts",
       (SELECT count(*)::int FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE u.deleted_at IS NOT NULL) AS "sessions of erased accounts"`,
  );
  return Object.fromEntries(Object.entries(row).filter(([, n]) => n > 0));
}

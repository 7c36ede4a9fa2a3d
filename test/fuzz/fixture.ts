import { randomUUID } from 'node:crypto';
import { generateToken, hashToken } from '../../src/auth/token';
import { addMember, buildTeam } from '../factories/team.factory';
import { STRONG_PASSWORD, type TestUser } from '../factories/user.factory';
import { insertUser } from '../support/fast-users';
import type { TestApp } from '../support/test-app';

/** Real rows for generated calls to aim at: a team with every role, an item, an invitation. */
export interface Fixture {
  owner: TestUser;
  refs: Record<RefName, string>;
  invitationToken: string;
  password: string;
}

export const REF_NAMES = [
  'team',
  'owner',
  'admin',
  'member',
  'item',
  'invitation',
  'session',
] as const;
export type RefName = (typeof REF_NAMES)[number];

export async function buildFixture(app: TestApp): Promise<Fixture> {
  const owner = await insertUser(app);
  const team = await buildTeam(app, owner, 'Fuzz team');
  const admin = await addMember(app, team, 'ADMIN', await insertUser(app));
  const member = await addMember(app, team, 'MEMBER', await insertUser(app));
  const item = await app.gql<{ createItem: { id: string } }>(
    `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "Fuzz", content: { a: 1 } }) { id } }`,
    { t: team.id },
    owner.token,
  );
  const invitation = await app.gql<{ inviteMember: { token: string; invitation: { id: string } } }>(
    `mutation ($t: ID!) { inviteMember(teamId: $t, email: "${randomUUID()}@example.com") { token invitation { id } } }`,
    { t: team.id },
    owner.token,
  );
  if (!item.data || !invitation.data)
    throw new Error(JSON.stringify([item.errors, invitation.errors]));
  // A second session of the owner, for revokeSession to aim at without ending this one.
  const [session] = await app.sql<{ id: string }>(
    `INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, $2, now() + interval '1 day') RETURNING id`,
    [owner.id, hashToken(generateToken())],
  );
  return {
    owner,
    password: STRONG_PASSWORD,
    invitationToken: invitation.data.inviteMember.token,
    refs: {
      team: team.id,
      owner: owner.id,
      admin: admin.id,
      member: member.id,
      item: item.data.createItem.id,
      invitation: invitation.data.inviteMember.invitation.id,
      session: session.id,
    },
  };
}

/** A generated reference to a fixture row, spelled as the generator chose. */
export interface Ref {
  __ref: RefName;
  spell: 'lower' | 'upper' | 'mixed' | 'space' | 'nul' | 'braces' | 'nodash';
}

const SPELL: Record<Ref['spell'], (id: string) => string> = {
  lower: (id) => id,
  upper: (id) => id.toUpperCase(),
  mixed: (id) => id.replace(/[a-f]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c)),
  space: (id) => ` ${id} `,
  nul: (id) => `${id}\u0000`,
  braces: (id) => `{${id}}`,
  nodash: (id) => id.replace(/-/g, ''),
};

const isRef = (value: unknown): value is Ref =>
  typeof value === 'object' && value !== null && '__ref' in value && 'spell' in value;

/** Refs sit in arguments, input fields and lists, never deeper (JSON content holds none). */
const REF_DEPTH = 8;

/** Replaces every generated reference by the current fixture's id, spelled as chosen. */
export function resolveRefs(value: unknown, fixture: Fixture, depth = 0): unknown {
  if (depth > REF_DEPTH) return value;
  if (isRef(value)) return SPELL[value.spell](fixture.refs[value.__ref]);
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, fixture, depth + 1));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveRefs(v, fixture, depth + 1)]),
    );
  }
  return value;
}

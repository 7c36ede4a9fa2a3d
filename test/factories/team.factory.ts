import type { TestApp } from '../support/test-app';
import { buildUser, type TestUser } from './user.factory';

export type RoleName = 'OWNER' | 'ADMIN' | 'MEMBER';

export interface TestTeam {
  id: string;
  name: string;
  owner: TestUser;
}

/** Creates a team through the API; its creator is the OWNER. */
export async function buildTeam(
  app: TestApp,
  owner?: TestUser,
  name = 'Test team',
): Promise<TestTeam> {
  const creator = owner ?? (await buildUser(app));
  const response = await app.gql<{ createTeam: { id: string } }>(
    `mutation ($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
    { input: { name } },
    creator.token,
  );
  if (!response.data?.createTeam)
    throw new Error(`createTeam failed: ${JSON.stringify(response.errors)}`);
  return { id: response.data.createTeam.id, name, owner: creator };
}

/** Puts a user into a team with a role (a setup shortcut; joining by invitation is tested on its own). */
export async function addMember(
  app: TestApp,
  team: TestTeam,
  role: Exclude<RoleName, 'OWNER'>,
  user?: TestUser,
) {
  const member = user ?? (await buildUser(app));
  await app.sql(
    `INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES ($1, $2, $3, now())`,
    [team.id, member.id, role],
  );
  return member;
}

/** A team with one user of every role, plus an outsider. */
export async function buildTeamWithRoles(app: TestApp) {
  const team = await buildTeam(app);
  const admin = await addMember(app, team, 'ADMIN');
  const member = await addMember(app, team, 'MEMBER');
  const outsider = await buildUser(app);
  return { team, owner: team.owner, admin, member, outsider };
}

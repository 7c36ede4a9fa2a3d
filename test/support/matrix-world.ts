import { buildTeam } from '../factories/team.factory';
import type { Caller, World } from './authz-matrix';
import { aFewAtOnce } from './a-few-at-once';
import { insertUsers } from './fast-users';
import type { TestApp } from './test-app';

/** A team with one user of each role, one of each other kind of caller, and a target. */
export async function buildMatrixWorld(app: TestApp): Promise<World> {
  const [owner, admin, member, target, outsider, removedMember, revokedSession] = await insertUsers(
    app,
    7,
  );
  const team = await buildTeam(app, owner, 'Matrix team');
  await app.sql(
    `INSERT INTO memberships (team_id, user_id, role, joined_at)
     SELECT $1, user_id, role, now() FROM unnest($2::uuid[], $3::text[]) AS m(user_id, role)`,
    [
      team.id,
      [admin.id, member.id, target.id, removedMember.id, revokedSession.id],
      ['ADMIN', 'MEMBER', 'MEMBER', 'MEMBER', 'MEMBER'],
    ],
  );
  // Removed and revoked through the API, as they happen in real life; neither touches the other.
  const [removal, logOut] = await Promise.all([
    app.gql(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: removedMember.id },
      owner.token,
    ),
    app.gql(`mutation { logOut }`, {}, revokedSession.token),
  ]);
  for (const { errors } of [removal, logOut]) if (errors) throw new Error(JSON.stringify(errors));
  const users = {
    OWNER: owner,
    ADMIN: admin,
    MEMBER: member,
    outsider,
    removedMember,
    revokedSession,
  };
  return {
    app,
    team,
    users,
    target,
    tokenOf: (caller: Caller) => (caller === 'anonymous' ? null : users[caller].token),
  };
}

/** The most worlds one case needs (one per caller), so an operation's worlds are one wave. */
const WORLDS_AT_ONCE = 7;

/**
 * `count` worlds, built side by side: each is its own team and users, so building them together
 * changes nothing in any of them, and most of a world's time is waiting on round trips.
 */
export const buildMatrixWorlds = (app: TestApp, count: number): Promise<World[]> =>
  aFewAtOnce(Array.from({ length: count }), WORLDS_AT_ONCE, () => buildMatrixWorld(app));

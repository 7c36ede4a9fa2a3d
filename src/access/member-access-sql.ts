/**
 * The one home of the SQL for "is a member, and not held out by a two-factor requirement":
 * the loaders, the item statements, the live reads, the profile rules and the re-checks under
 * the team lock all build their reads from these fragments, so the permission map, the
 * services and the live feeds agree by construction.
 *
 * A member is held out of a team — its data and feeds — while the team requires two-factor
 * and the member has none. The membership stays; enabling two-factor lets them back in. Only
 * a member is held: anyone else is simply not a member (a reason would tell a stranger that
 * the team exists).
 *
 * The fragments expect the membership aliased `m` and the team `t`; the member's
 * `two_factor_enabled_at` is given as an expression (by default `u.two_factor_enabled_at`,
 * the member's user joined as `u`).
 */

const MEMBER_TWO_FACTOR = 'u.two_factor_enabled_at';

/**
 * The hold itself; null when there is no membership. `enabledAt` may be a subquery, which
 * PostgreSQL then runs only for members of teams that require two-factor.
 */
export function heldForTwoFactorSql(enabledAt = MEMBER_TWO_FACTOR): string {
  return `(m.role IS NOT NULL AND t.two_factor_required AND ${enabledAt} IS NULL)`;
}

/** The hold as a boolean that is never null (false for a non-member). */
export const heldColumnSql = (enabledAt = MEMBER_TWO_FACTOR): string =>
  `coalesce(${heldForTwoFactorSql(enabledAt)}, false)`;

/** The member's role, or NULL when not a member or while held out. */
export const roleUnlessHeldSql = (enabledAt = MEMBER_TWO_FACTOR): string =>
  `CASE WHEN ${heldForTwoFactorSql(enabledAt)} THEN NULL ELSE m.role END`;

/**
 * The membership `m` of the user `userId` in the team `teamId` (SQL expressions) and the
 * member's user `u`, both left-joined: a non-member keeps its row with nulls.
 */
export const membershipJoinsSql = (teamId: string, userId: string): string =>
  `LEFT JOIN memberships m ON m.team_id = ${teamId} AND m.user_id = ${userId}
           LEFT JOIN users u ON u.id = m.user_id`;

/**
 * The role of one user in one team, and whether they are held out ($1 team, $2 user): no row
 * when they are not a member. Read under the team's lock, it is the re-check of a command.
 */
export const MEMBER_ACCESS_SQL = `SELECT m.role, ${heldColumnSql()} AS held
   FROM memberships m JOIN teams t ON t.id = m.team_id JOIN users u ON u.id = m.user_id
  WHERE m.team_id = $1 AND m.user_id = $2`;

/**
 * The members of a team ($1) whom its two-factor requirement holds out while it is on: those
 * without two-factor.
 */
export const MEMBERS_WITHOUT_TWO_FACTOR_SQL = `SELECT m.user_id
   FROM memberships m JOIN users u ON u.id = m.user_id
  WHERE m.team_id = $1 AND u.two_factor_enabled_at IS NULL`;

/**
 * The teams of a user ($1) that require two-factor, by name: those that hold the user out
 * while they have none.
 */
export const TEAMS_REQUIRING_TWO_FACTOR_SQL = `SELECT t.id, t.name
   FROM teams t JOIN memberships m ON m.team_id = t.id
  WHERE m.user_id = $1 AND t.two_factor_required ORDER BY t.name`;

/**
 * "Share a team now" (API.md "Profile visibility"), the one definition every rule and loader
 * that decides whether a profile is visible uses: the viewer has a current membership of a
 * team the user belongs to, and is not held out of it by the team's two-factor requirement.
 * A held member sees the team's people as a stranger would. Arguments are SQL expressions for
 * the viewer's and the user's ids.
 */
export const sharesTeamNowSql = (viewerId: string, userId: string): string => `EXISTS (
  SELECT 1 FROM memberships m
    JOIN teams t ON t.id = m.team_id
    JOIN users u ON u.id = m.user_id
    JOIN memberships other ON other.team_id = m.team_id AND other.user_id = ${userId}
   WHERE m.user_id = ${viewerId} AND NOT ${heldForTwoFactorSql()})`;

import { HELD_FOR_TWO_FACTOR_SQL } from './two-factor-hold';

/**
 * "Share a team now" (API.md "Profile visibility"), the one definition every rule and loader
 * that decides whether a profile is visible uses: the viewer holds a current membership of a
 * team the user belongs to, and is not held out of it by the team's two-factor requirement.
 * A held member sees the team's people as a stranger would. Arguments are SQL expressions for
 * the viewer's and the user's ids.
 */
export const sharesTeamNowSql = (viewerId: string, userId: string): string => `EXISTS (
  SELECT 1 FROM memberships m
    JOIN teams t ON t.id = m.team_id
    JOIN users u ON u.id = m.user_id
    JOIN memberships other ON other.team_id = m.team_id AND other.user_id = ${userId}
   WHERE m.user_id = ${viewerId} AND NOT ${HELD_FOR_TWO_FACTOR_SQL})`;

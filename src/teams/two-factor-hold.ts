/**
 * A member is held out of a team — its data and feeds — while the team requires two-factor
 * and the member has none. The membership stays; enabling two-factor lets them back in.
 * Every role read that grants access applies this condition, with the membership aliased `m`,
 * the team `t` and the member's user `u`, so the permission map and the live feeds agree by
 * construction. Only a member is held: anyone else is simply not a member (a reason would
 * tell a stranger that the team exists).
 */
export const HELD_FOR_TWO_FACTOR_SQL = heldForTwoFactorSql('u.two_factor_enabled_at');

/**
 * The same condition with the member's `two_factor_enabled_at` given as an expression (e.g.
 * a subquery that PostgreSQL then runs only for members of teams that require two-factor).
 */
export function heldForTwoFactorSql(enabledAt: string): string {
  return `(m.role IS NOT NULL AND t.two_factor_required AND ${enabledAt} IS NULL)`;
}

/** The role loaders' marker for a held member (reported as "not a member" with a reason). */
export const HELD = 'HELD' as const;

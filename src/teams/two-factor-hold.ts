/**
 * A member is held out of a team — its data and feeds — while the team requires two-factor
 * and the member has none. The membership stays; enabling two-factor lets them back in.
 * Every role read that grants access applies this condition, with the team aliased `t` and
 * the member's user `u`, so the permission map and the live feeds agree by construction.
 */
export const HELD_FOR_TWO_FACTOR_SQL =
  '(t.two_factor_required AND u.two_factor_enabled_at IS NULL)';

/** The role loaders' marker for a held member (reported as "not a member" with a reason). */
export const HELD = 'HELD' as const;

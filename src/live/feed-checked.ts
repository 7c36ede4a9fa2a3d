/**
 * Objects a live feed checked itself, where the ordinary permission rules cannot decide: a
 * row owed to a former member (among them the TEAM_DELETED activity and its team snapshot —
 * the team and its memberships are already gone when members receive it) and the marker that
 * ends a feed whose access was lost. Only server code creates these objects; clients cannot
 * forge one.
 */
const checkedByFeed = new WeakSet<object>();

/** Marks `value` as checked by its feed (see entitlement.ts), and returns it. */
export function markFeedChecked<T extends object>(value: T): T {
  checkedByFeed.add(value);
  return value;
}

export function isFeedChecked(value: unknown): boolean {
  return typeof value === 'object' && value !== null && checkedByFeed.has(value);
}

/** The last item of a feed that ended because its subscriber lost access. */
export class AccessLost {
  constructor(readonly teamId: string | null) {
    markFeedChecked(this);
  }
}

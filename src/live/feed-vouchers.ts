/**
 * Objects a live feed vouches for after its own check, where the ordinary permission rules
 * cannot decide: the TEAM_DELETED activity (and its team snapshot) — the team and its
 * memberships are already gone when members receive it — and the marker that ends a feed
 * whose access was lost. Only server code creates these objects; clients cannot forge one.
 */
const vouched = new WeakSet<object>();

export function vouchFor<T extends object>(value: T): T {
  vouched.add(value);
  return value;
}

export function isVouchedByFeed(value: unknown): boolean {
  return typeof value === 'object' && value !== null && vouched.has(value);
}

/** The last item of a feed that ended because its subscriber lost access. */
export class AccessLost {
  constructor(readonly teamId: string | null) {
    vouchFor(this);
  }
}

import type { MaybeRole } from '../teams/team-policy';

const confirmed = new WeakMap<object, { teamId: string; role: MaybeRole }>();

/**
 * Marks a mutation's result with the actor's role in its team as the mutation checked it under
 * the team's lock, in the transaction that just committed. The fresh loaders that serve the
 * result's fields start from it instead of reading the role again.
 */
export function withConfirmedRole<T extends object>(result: T, teamId: string, role: MaybeRole): T {
  confirmed.set(result, { teamId, role });
  return result;
}

export function confirmedRoleOf(result: unknown): { teamId: string; role: MaybeRole } | null {
  return (typeof result === 'object' && result !== null && confirmed.get(result)) || null;
}

import type { TestApp } from './test-app';
import type { TestUser } from '../factories/user.factory';
import type { TestTeam } from '../factories/team.factory';

/** Every kind of caller the contract distinguishes (docs/THREAT-MODEL.md H16). */
export type Caller =
  'anonymous' | 'revokedSession' | 'outsider' | 'removedMember' | 'MEMBER' | 'ADMIN' | 'OWNER';
export const CALLERS: Caller[] = [
  'anonymous',
  'revokedSession',
  'outsider',
  'removedMember',
  'MEMBER',
  'ADMIN',
  'OWNER',
];

/** A team with one user of each role, plus the other callers (test/support/matrix-world.ts). */
export interface World {
  app: TestApp;
  team: TestTeam;
  users: Record<Exclude<Caller, 'anonymous'>, TestUser>;
  /** Another MEMBER of the team, to act upon (remove, promote…) without acting on a caller. */
  target: TestUser;
  /** Bearer token of the caller (null for anonymous). */
  tokenOf(caller: Caller): string | null;
}

/** What the caller must get: success, or an error with this contract code. */
export type Expected =
  'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT';

export interface MatrixCase {
  /** The root field under test, e.g. "renameTeam"; the matrix checks every root field has cases. */
  operation: string;
  /** Optional: creates what the operation needs (an item, an invitation…) and returns variables. */
  prepare?(world: World, caller: Caller): Promise<Record<string, unknown>>;
  /** The GraphQL document; its variables come from `variables(world)` merged with `prepare`. */
  document: string;
  variables?(world: World, caller: Caller): Record<string, unknown>;
  expect: Record<Caller, Expected>;
  /** Mutations: when denied, no row of any table may change (checked by the matrix). */
  mutation?: boolean;
  /** A query that writes when it succeeds all the same, so it needs a world of its own. */
  writesWhenAllowed?: boolean;
  /**
   * For work an allowed call finishes after answering, in the background: true once it is done.
   * The matrix waits for it, so it cannot land in a later case's fingerprint.
   */
  finished?(world: World): Promise<boolean>;
}

/** Shorthand: the same expectation for every caller, with exceptions. */
export function expectAll(
  base: Expected,
  exceptions: Partial<Record<Caller, Expected>> = {},
): Record<Caller, Expected> {
  return Object.fromEntries(CALLERS.map((c) => [c, exceptions[c] ?? base])) as Record<
    Caller,
    Expected
  >;
}

/** Team operations: anonymous and revoked sessions are UNAUTHENTICATED, outsiders and removed members FORBIDDEN. */
export function teamExpectation(
  roles: Partial<Record<'MEMBER' | 'ADMIN' | 'OWNER', Expected>>,
): Record<Caller, Expected> {
  return {
    anonymous: 'UNAUTHENTICATED',
    revokedSession: 'UNAUTHENTICATED',
    outsider: 'FORBIDDEN',
    removedMember: 'FORBIDDEN',
    MEMBER: roles.MEMBER ?? 'FORBIDDEN',
    ADMIN: roles.ADMIN ?? 'FORBIDDEN',
    OWNER: roles.OWNER ?? 'FORBIDDEN',
  };
}

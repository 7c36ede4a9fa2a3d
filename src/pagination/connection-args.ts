import { badInput } from '../errors/errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `first` as the contract defines it: default 20, 1..100, otherwise BAD_USER_INPUT. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput('first', `first must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  return first;
}

/**
 * Cursors are opaque to clients: a kind tag and the keyset position, base64url-encoded. The
 * tag stops an item cursor from being replayed against the activity feed and vice versa.
 */
export function encodeCursor(kind: string, position: (string | number)[]): string {
  return Buffer.from(JSON.stringify([kind, ...position]), 'utf8').toString('base64url');
}

/** The keyset position of a cursor; BAD_USER_INPUT on field `after` for anything else. */
export function decodeCursor(kind: string, cursor: string): unknown[] {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded[0] === kind) return decoded.slice(1);
  } catch {
    // Fall through: a cursor that does not decode is bad input, not a server error.
  }
  throw badInput('after', 'after is not a valid cursor for this list.');
}

/** One page of a keyset query fetched with `limit + 1` rows: the extra row only says "more". */
export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
}

export function toPage<T>(rows: T[], size: number): Page<T> {
  return { nodes: rows.slice(0, size), hasNextPage: rows.length > size };
}

import { badInput } from '../errors/errors';
import { isUuid } from '../validation/ids';

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

/** Checks one component of a decoded cursor; null when it is not what the list wrote. */
type CursorPart<T> = (value: unknown) => T | null;

const INT4_MAX = 2 ** 31 - 1;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;

/** The parts a keyset cursor is made of, each checked against its type and its column's range. */
export const cursorPart = {
  /** A positive int4 (`seq`). */
  seq: ((value) =>
    Number.isInteger(value) && (value as number) >= 1 && (value as number) <= INT4_MAX
      ? (value as number)
      : null) as CursorPart<number>,
  /** A UTC timestamp to the microsecond as the list writes it, a real calendar date in 1970..9999. */
  timestamp: ((value) => {
    const m = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
    if (!m) return null;
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    const real =
      year >= 1970 &&
      date.getUTCFullYear() === year &&
      date.getUTCMonth() === month - 1 &&
      date.getUTCDate() === day &&
      date.getUTCHours() === hour &&
      date.getUTCMinutes() === minute &&
      date.getUTCSeconds() === second;
    return real ? (value as string) : null;
  }) as CursorPart<string>,
  /** A row id, in its canonical spelling. */
  uuid: ((value) => (isUuid(value) ? value.toLowerCase() : null)) as CursorPart<string>,
};

type PartValues<P extends readonly CursorPart<unknown>[]> = {
  [K in keyof P]: P[K] extends CursorPart<infer T> ? T : never;
};

/**
 * The keyset position of a cursor, every part checked against its type and range (a forged
 * cursor never reaches SQL); BAD_USER_INPUT on field `after` for anything else.
 */
export function decodeCursor<const P extends readonly CursorPart<unknown>[]>(
  kind: string,
  cursor: string,
  parts: P,
): PartValues<P> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = null; // A cursor that does not decode is bad input, not a server error.
  }
  if (Array.isArray(decoded) && decoded[0] === kind && decoded.length === parts.length + 1) {
    const values = parts.map((part, i) => part(decoded[i + 1]));
    if (values.every((v) => v !== null)) return values as PartValues<P>;
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

import { badInput } from '../errors/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && UUID.test(value);

/**
 * The one spelling of an id: a UUID in lower case. PostgreSQL compares uuids regardless of
 * case while JavaScript compares strings, so every id is canonicalised before anything
 * compares it. Anything that is not a UUID is BAD_USER_INPUT on `field`.
 */
export function canonicalId(field: string, value: unknown): string {
  if (!isUuid(value)) throw badInput(field, `${field} must be an ID (a UUID).`);
  return value.toLowerCase();
}

/** Id equality as PostgreSQL sees it, whatever spelling either side arrived in. */
export const sameId = (a: string | null | undefined, b: string | null | undefined): boolean =>
  typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();

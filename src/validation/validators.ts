import { badInput } from '../errors/errors';

/** Trims a text field and checks its length in characters. */
export function requireText(field: string, raw: string, min: number, max: number): string {
  const value = raw.trim();
  const length = [...value].length;
  if (length < min) throw badInput(field, `${field} must not be empty.`);
  if (length > max) throw badInput(field, `${field} must be at most ${max} characters.`);
  return value;
}

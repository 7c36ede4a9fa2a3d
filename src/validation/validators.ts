import { badInput } from '../errors/errors';

/** Trims and lower-cases an e-mail address, rejecting anything that is not one. */
export function normalizeEmail(field: string, raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw badInput(field, 'Enter a valid e-mail address.');
  }
  return email;
}

/** Trims a text field and checks its length in characters. */
export function requireText(field: string, raw: string, min: number, max: number): string {
  const value = raw.trim();
  const length = [...value].length;
  if (length < min) throw badInput(field, `${field} must not be empty.`);
  if (length > max) throw badInput(field, `${field} must be at most ${max} characters.`);
  return value;
}

import { randomInt } from 'node:crypto';
import { hashToken } from './token';

export const RECOVERY_CODE_COUNT = 10;

/** Lower-case letters and digits without look-alikes (0/o, 1/l/i). */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten characters from a 31-letter alphabet (~50 bits), shown as xxxxx-xxxxx. */
export function newRecoveryCode(): string {
  const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** Spaces, dashes and case do not matter when the code is typed back. */
export function recoveryCodeHash(code: string): string {
  return hashToken(code.replace(/[\s-]/g, '').toLowerCase());
}

/** A typed code that could be a recovery code (not a 6-digit TOTP code). */
export const looksLikeRecoveryCode = (code: string): boolean =>
  /^[a-z0-9]{10}$/.test(code.replace(/[\s-]/g, '').toLowerCase());

import { domainToASCII } from 'node:url';
import { badInput } from '../errors/errors';

/** RFC 5321's limit on a whole address. */
const MAX_ADDRESS_LENGTH = 254;
/** Far longer than any address: refused before any normalisation work. */
const MAX_RAW_LENGTH = 1_000;

/**
 * Characters nobody can see or that reorder what is seen: controls, format characters (zero
 * width spaces and joiners, bidi controls, the soft hyphen, the byte order mark…), every other
 * default-ignorable code point, and lone surrogates. An address holding one would look exactly
 * like another account's.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;

const SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The one canonical form of an e-mail address a client sends (API.md "One address, one
 * spelling"): Unicode NFKC, trimmed, case-folded, the domain in its IDNA (punycode) form.
 * Two spellings a person reads as the same address give the same string, so they are one
 * account, one invitation, one rate-limit key. Invisible characters are refused rather than
 * removed: silently dropping them would hide that the input was crafted.
 */
export function canonicalEmail(field: string, raw: string): string {
  if (raw.length > MAX_RAW_LENGTH) throw badInput(field, 'Enter a valid e-mail address.');
  const compatible = raw.normalize('NFKC');
  if (INVISIBLE.test(raw) || INVISIBLE.test(compatible)) {
    throw badInput(field, 'The e-mail address holds invisible or formatting characters.');
  }
  // Upper then lower case approximates full case folding ("ß" and "SS" both become "ss").
  const folded = compatible.trim().toUpperCase().toLowerCase().normalize('NFKC');
  const at = folded.lastIndexOf('@');
  const domain = at > 0 ? domainToASCII(folded.slice(at + 1)) : '';
  const email = `${folded.slice(0, at)}@${domain.toLowerCase()}`;
  if (!domain || email.length > MAX_ADDRESS_LENGTH || !SHAPE.test(email)) {
    throw badInput(field, 'Enter a valid e-mail address.');
  }
  return email;
}

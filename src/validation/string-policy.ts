import { badInput } from '../errors/errors';

/** Any String input, whatever its field: field validators narrow it further. */
export const MAX_STRING_LENGTH = 10_000;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** C0 controls (NUL included), DEL and C1 controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
/** Free text (JSON content values) may hold line breaks and tabs, nothing else of the kind. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_BUT_WHITESPACE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

export interface StringRule {
  /** Tab, line feed and carriage return are allowed (free text). Default: no control at all. */
  allowLineBreaks?: boolean;
  /** In UTF-16 code units. Default MAX_STRING_LENGTH. */
  maxLength?: number;
}

/**
 * The one policy for text a client sends: well-formed UTF-16 (no lone surrogate), no NUL,
 * control characters only where free text allows them, and a length limit — so no string
 * can fail later inside PostgreSQL or be silently altered on its way there.
 */
export function checkString(field: string, value: string, rule: StringRule = {}): string {
  const maxLength = rule.maxLength ?? MAX_STRING_LENGTH;
  if (value.length > maxLength) {
    throw badInput(field, `${field} must be at most ${maxLength} characters.`);
  }
  if (LONE_SURROGATE.test(value)) {
    throw badInput(field, `${field} is not well-formed text (a lone UTF-16 surrogate).`);
  }
  if ((rule.allowLineBreaks ? CONTROL_BUT_WHITESPACE : CONTROL).test(value)) {
    throw badInput(field, `${field} must not contain control characters.`);
  }
  return value;
}

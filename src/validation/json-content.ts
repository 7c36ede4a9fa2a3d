import { badInput } from '../errors/errors';
import { checkString } from './string-policy';

/** Deeper than this is not a document a person edits; it only stresses recursive code. */
export const MAX_JSON_DEPTH = 32;
/**
 * The largest JSON value any input accepts, as UTF-8 (a generous upper bound: fields narrow
 * it, e.g. item content to 64 KiB, exactly, with their own message).
 */
export const MAX_JSON_BYTES = 128 * 1024;
/** Keys are names, not text. */
const MAX_JSON_KEY_LENGTH = 256;

/**
 * Bounds a JSON input before anything recursive (the ORM, JSON.stringify, jsonb) sees it:
 * depth, encoded size, finite numbers only, and the string policy for keys and values. The
 * walk is iterative, so a value nested thousands deep is refused, not a stack overflow.
 */
export function checkJson(field: string, root: unknown): unknown {
  let bytes = 0;
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }];
  const tooLarge = () =>
    badInput(field, `${field} must be at most ${MAX_JSON_BYTES / 1024} KiB of JSON.`);
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    if (value === null || typeof value === 'boolean') {
      bytes += String(value).length;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw badInput(field, `${field} holds a number out of range.`);
      bytes += String(value).length;
    } else if (typeof value === 'string') {
      checkString(field, value, { allowLineBreaks: true, maxLength: MAX_JSON_BYTES });
      bytes += Buffer.byteLength(value, 'utf8') + 2;
    } else if (typeof value === 'object') {
      if (depth > MAX_JSON_DEPTH) {
        throw badInput(field, `${field} is nested deeper than ${MAX_JSON_DEPTH} levels.`);
      }
      const entries = Array.isArray(value)
        ? value.map((v) => ['', v] as const)
        : Object.entries(value);
      bytes += 2 + entries.length;
      if (bytes > MAX_JSON_BYTES) throw tooLarge();
      for (const [key, child] of entries) {
        if (!Array.isArray(value)) {
          checkString(field, key, { maxLength: MAX_JSON_KEY_LENGTH });
          bytes += Buffer.byteLength(key, 'utf8') + 3;
        }
        stack.push({ value: child, depth: depth + 1 });
      }
    } else {
      throw badInput(field, `${field} must be JSON.`);
    }
    if (bytes > MAX_JSON_BYTES) throw tooLarge();
  }
  return root;
}

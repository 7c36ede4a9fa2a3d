import { badInput } from '../errors/errors';
import { requireText } from '../validation/validators';

export const ITEM_TITLE_MAX = 200;
export const ITEM_CONTENT_MAX_BYTES = 64 * 1024;

export const itemTitle = (raw: string): string => requireText('title', raw, 1, ITEM_TITLE_MAX);

/** Content is a JSON object (not an array or a scalar) of at most 64 KiB as UTF-8 JSON. */
export function itemContent(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw badInput('content', 'content must be a JSON object.');
  }
  if (Buffer.byteLength(JSON.stringify(raw), 'utf8') > ITEM_CONTENT_MAX_BYTES) {
    throw badInput(
      'content',
      `content must be at most ${ITEM_CONTENT_MAX_BYTES / 1024} KiB of JSON.`,
    );
  }
  return raw as Record<string, unknown>;
}

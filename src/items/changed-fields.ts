import canonicalize from 'canonicalize';
import type { FieldChange } from '../../entities/activity-actions';

/** Values up to this size (as JSON) are copied into the activity; larger ones are only named. */
export const SMALL_VALUE_BYTES = 1024;

/**
 * `details.changedFields` of an update: every field whose value differs, with old and new
 * values when both are small, so the log stays readable without copying 64 KiB documents.
 */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  for (const field of Object.keys(after)) {
    const oldJson = canonicalize(before[field]) ?? 'null';
    const newJson = canonicalize(after[field]) ?? 'null';
    if (oldJson === newJson) continue;
    const small =
      Buffer.byteLength(oldJson) <= SMALL_VALUE_BYTES &&
      Buffer.byteLength(newJson) <= SMALL_VALUE_BYTES;
    changes[field] = small ? { old: before[field], new: after[field] } : { large: true };
  }
  return changes;
}

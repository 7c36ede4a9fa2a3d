import canonicalize from 'canonicalize';

/** What the kit needs of an activity to recompute its hash (the ActivityFields fragment). */
export interface ChainedActivity {
  seq: number;
  action: string;
  subjectType: string;
  subjectId: string;
  summary: string;
  summaryDigest?: string | null;
  details: Record<string, unknown>;
  createdAt: string;
  hash: string;
  team: { id: string };
  actor: { id: string } | null;
}

/**
 * The canonical form the server hashes (docs/api.md "Verifying the log yourself"): RFC 8785 JSON of
 * exactly these nine fields, createdAt as the ISO string the API returns.
 */
export function canonicalActivity(activity: ChainedActivity): string {
  return (
    canonicalize({
      teamId: activity.team.id,
      seq: activity.seq,
      actorId: activity.actor?.id ?? null,
      action: activity.action,
      subjectType: activity.subjectType,
      subjectId: activity.subjectId,
      // Rows that seal a salted digest of the summary hash the digest instead of the text.
      ...(activity.summaryDigest
        ? { summaryDigest: activity.summaryDigest }
        : { summary: activity.summary }),
      details: activity.details,
      createdAt: activity.createdAt,
    }) ?? ''
  );
}

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** hash = hex(SHA-256(UTF-8(previousHash + canonical))), with WebCrypto so it runs in browsers. */
export async function activityHash(
  previousHash: string,
  activity: ChainedActivity,
): Promise<string> {
  const input = new TextEncoder().encode(previousHash + canonicalActivity(activity));
  return hex(await globalThis.crypto.subtle.digest('SHA-256', input));
}

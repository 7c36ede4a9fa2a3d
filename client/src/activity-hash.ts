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
 * The nine members of a row's canonical form, flat, as the log export writes them
 * (docs/log-verification.md): exactly one of `summary` and `summaryDigest`.
 */
export interface CanonicalRow {
  teamId: string;
  seq: number;
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  summary?: string;
  summaryDigest?: string;
  details: Record<string, unknown>;
  createdAt: string;
}

/** RFC 8785 JSON of the nine members: the bytes the hash chain and the Merkle leaf both hash. */
export function canonicalRow(row: CanonicalRow): string {
  return (
    canonicalize({
      teamId: row.teamId,
      seq: row.seq,
      actorId: row.actorId,
      action: row.action,
      subjectType: row.subjectType,
      subjectId: row.subjectId,
      ...(row.summaryDigest !== undefined
        ? { summaryDigest: row.summaryDigest }
        : { summary: row.summary }),
      details: row.details,
      createdAt: row.createdAt,
    }) ?? ''
  );
}

/** The nine members of an activity as the API returns it. */
export function canonicalMembers(activity: ChainedActivity): CanonicalRow {
  return {
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
  };
}

/**
 * The canonical form the server hashes (docs/api.md "Verifying the log yourself"): RFC 8785 JSON of
 * exactly these nine fields, createdAt as the ISO string the API returns.
 */
export function canonicalActivity(activity: ChainedActivity): string {
  return canonicalRow(canonicalMembers(activity));
}

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** hash = hex(SHA-256(UTF-8(previousHash + canonical))), with WebCrypto so it runs in browsers. */
export async function activityHash(
  previousHash: string,
  activity: ChainedActivity,
): Promise<string> {
  return chainHash(previousHash, canonicalActivity(activity));
}

/** The chain step on a canonical form already built. */
export async function chainHash(previousHash: string, canonical: string): Promise<string> {
  const input = new TextEncoder().encode(previousHash + canonical);
  return hex(await globalThis.crypto.subtle.digest('SHA-256', input));
}

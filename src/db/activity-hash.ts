import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Activity } from '../../entities/activity.entity';
import type { HASHED_ACTIVITY_MEMBERS } from '../../entities/activity-actions';
import { hashLeaf } from '../util/rfc9162';

/** Enum-typed text as a stored row holds it: the chain hashes rows of older releases too. */
type AsStoredText<T> = { [K in keyof T]: T[K] extends string ? string : T[K] };

/**
 * The fields of an activity row the chain protects (HASHED_ACTIVITY_MEMBERS), in canonical
 * (RFC 8785) form. `summaryDigest` is SHA-256 of a per-row salt and the summary. When present
 * the chain seals this digest instead of the summary text, so erasing a person's name from the
 * summary (and the salt, so the old text can no longer be confirmed by guessing) leaves the
 * chain intact.
 */
export type HashedActivityFields = AsStoredText<
  Pick<Activity, (typeof HASHED_ACTIVITY_MEMBERS)[number]>
> &
  Partial<Pick<Activity, 'summaryDigest'>>;

/** The salted digest of a summary that the chain seals (see HashedActivityFields). */
export function summaryDigest(salt: string, summary: string): string {
  return createHash('sha256').update(salt).update('\u0000').update(summary, 'utf8').digest('hex');
}

/**
 * The members a row's seals cover, as plain JSON values in HASHED_ACTIVITY_MEMBERS' order: what
 * the canonical form is made of, and what a log export holds of each row. Rows written before
 * summaries were sealed by digest carry the summary itself.
 */
export function sealedMembers(row: HashedActivityFields): Record<string, unknown> {
  return {
    teamId: row.teamId,
    seq: row.seq,
    actorId: row.actorId,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    ...(row.summaryDigest ? { summaryDigest: row.summaryDigest } : { summary: row.summary }),
    details: row.details,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * The row's canonical form (RFC 8785 JSON of the nine members, docs/api.md "Verifying the log
 * yourself"): what the hash chain and the Merkle tree's leaf both seal.
 */
export function canonicalActivity(row: HashedActivityFields): string {
  return canonicalize(sealedMembers(row)) ?? '';
}

/** hash = SHA-256(previous hash || canonical row), hex. The first row's previous hash is ''. */
export function computeActivityHash(previousHash: string, row: HashedActivityFields): string {
  return createHash('sha256').update(previousHash).update(canonicalActivity(row)).digest('hex');
}

/** The row's leaf in the team's Merkle tree: SHA-256(0x00 ‖ UTF-8 of the canonical form). */
export const activityLeafHash = (row: HashedActivityFields): Buffer =>
  hashLeaf(Buffer.from(canonicalActivity(row), 'utf8'));

/** Both seals of a new row from one canonical form: its chain hash and its leaf hash. */
export function sealActivity(
  previousHash: string,
  row: HashedActivityFields,
): { hash: string; leafHash: Buffer } {
  const canonical = canonicalActivity(row);
  return {
    hash: createHash('sha256').update(previousHash).update(canonical).digest('hex'),
    leafHash: hashLeaf(Buffer.from(canonical, 'utf8')),
  };
}

/**
 * The summary still says what was sealed: true when the row keeps its salt and the digest
 * matches. A row whose summary was erased (salt removed) is sealed by its digest alone.
 */
export function summaryMatchesSeal(row: {
  summary: string;
  summarySalt?: string | null;
  summaryDigest?: string | null;
}): boolean {
  if (!row.summaryDigest || !row.summarySalt) return true;
  return summaryDigest(row.summarySalt, row.summary) === row.summaryDigest;
}

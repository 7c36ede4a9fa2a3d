import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The fields of an activity row the chain protects, in canonical (RFC 8785) form. */
export interface HashedActivityFields {
  teamId: string;
  seq: number;
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  summary: string;
  details: Record<string, unknown>;
  createdAt: Date;
}

/** hash = SHA-256(previous hash || canonical row), hex. The first row's previous hash is ''. */
export function computeActivityHash(previousHash: string, row: HashedActivityFields): string {
  const canonical = canonicalize({
    teamId: row.teamId,
    seq: row.seq,
    actorId: row.actorId,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    summary: row.summary,
    details: row.details,
    createdAt: row.createdAt.toISOString(),
  });
  return createHash('sha256')
    .update(previousHash)
    .update(canonical ?? '')
    .digest('hex');
}

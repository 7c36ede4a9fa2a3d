import { createPublicKey, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { GraphqlResponse, TestApp } from './test-app';
import { referenceLeafHash } from './rfc9162-reference';

/*
 * What a member's client checks, written here from the contract (API.md, docs/api.md "Verifying
 * the log yourself") without the server's code: rows to leaves, checkpoint signatures.
 */

export interface ServedRow {
  seq: number;
  action: string;
  subjectType: string;
  subjectId: string;
  summary: string;
  summaryDigest: string | null;
  details: Record<string, unknown>;
  createdAt: string;
  hash: string;
  leafHash: string;
  team: { id: string };
  actor: { id: string } | null;
}

export interface ServedCheckpoint {
  teamId: string;
  treeSize: number;
  rootHash: string;
  timestamp: string;
  keyId: string;
  signature: string;
}

export interface ServedKey {
  keyId: string;
  publicKey: string;
  validFrom: string;
  validUntil: string | null;
}

export const ROW_FIELDS = `seq action subjectType subjectId summary summaryDigest details createdAt hash leafHash
  team { id } actor { id }`;
export const CHECKPOINT_FIELDS = `teamId treeSize rootHash timestamp keyId signature`;

/** The leaf of a row as served: UTF-8 of the RFC 8785 JSON of its nine members. */
export function leafOf(row: ServedRow): Buffer {
  const sealed = row.summaryDigest
    ? { summaryDigest: row.summaryDigest }
    : { summary: row.summary };
  return Buffer.from(
    canonicalize({
      teamId: row.team.id,
      seq: row.seq,
      actorId: row.actor?.id ?? null,
      action: row.action,
      subjectType: row.subjectType,
      subjectId: row.subjectId,
      ...sealed,
      details: row.details,
      createdAt: row.createdAt,
    }) ?? '',
    'utf8',
  );
}

export const leafHashOf = (row: ServedRow): Buffer => referenceLeafHash(leafOf(row));

/** The checkpoint's signature verifies under its key, within the key's validity. */
export function signatureHolds(checkpoint: ServedCheckpoint, keys: ServedKey[]): boolean {
  const key = keys.find((k) => k.keyId === checkpoint.keyId);
  if (!key) return false;
  const at = Date.parse(checkpoint.timestamp);
  if (at < Date.parse(key.validFrom) || (key.validUntil && at >= Date.parse(key.validUntil)))
    return false;
  const message = [
    'teamgraph-checkpoint/v1',
    checkpoint.teamId,
    checkpoint.treeSize,
    checkpoint.rootHash,
    checkpoint.timestamp,
  ].join('\n');
  const publicKey = createPublicKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: Buffer.from(key.publicKey, 'base64').toString('base64url'),
    },
    format: 'jwk',
  });
  return verify(
    null,
    Buffer.from(message, 'utf8'),
    publicKey,
    Buffer.from(checkpoint.signature, 'base64'),
  );
}

/** Every row of a (short) team log through the API, oldest first. */
export async function servedRows(
  app: TestApp,
  teamId: string,
  token: string,
): Promise<ServedRow[]> {
  const rows: ServedRow[] = [];
  let after: string | null = null;
  for (;;) {
    const response: GraphqlResponse<{
      team: {
        activity: {
          edges: { node: ServedRow }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    }> = await app.gql<{
      team: {
        activity: {
          edges: { node: ServedRow }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    }>(
      `query ($id: ID!, $after: String) { team(id: $id) { activity(first: 100, after: $after) {
        edges { node { ${ROW_FIELDS} } } pageInfo { hasNextPage endCursor } } } }`,
      { id: teamId, after },
      token,
    );
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    const page: {
      edges: { node: ServedRow }[];
      pageInfo: { endCursor: string | null; hasNextPage: boolean };
    } = response.data.team.activity;
    rows.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return rows.sort((a, b) => a.seq - b.seq);
}

export async function servedKeys(app: TestApp): Promise<ServedKey[]> {
  const response = await app.gql<{ signingKeys: ServedKey[] }>(
    `{ signingKeys { keyId publicKey validFrom validUntil } }`,
  );
  return response.data!.signingKeys;
}

export async function newestCheckpoint(
  app: TestApp,
  teamId: string,
  token: string,
): Promise<ServedCheckpoint> {
  const response = await app.gql<{ activityCheckpoint: ServedCheckpoint }>(
    `query ($t: ID!) { activityCheckpoint(teamId: $t) { ${CHECKPOINT_FIELDS} } }`,
    { t: teamId },
    token,
  );
  if (!response.data) throw new Error(JSON.stringify(response.errors));
  return response.data.activityCheckpoint;
}

export async function inclusionProof(
  app: TestApp,
  token: string,
  teamId: string,
  seq: number,
  treeSize: number,
): Promise<Buffer[]> {
  const response = await app.gql<{ activityInclusionProof: string[] }>(
    `query ($t: ID!, $s: Int!, $n: Int!) { activityInclusionProof(teamId: $t, seq: $s, treeSize: $n) }`,
    { t: teamId, s: seq, n: treeSize },
    token,
  );
  if (!response.data) throw new Error(JSON.stringify(response.errors));
  return response.data.activityInclusionProof.map((h) => Buffer.from(h, 'base64'));
}

export async function consistencyProof(
  app: TestApp,
  token: string,
  teamId: string,
  fromSize: number,
  toSize: number,
): Promise<Buffer[]> {
  const response = await app.gql<{ activityConsistencyProof: string[] }>(
    `query ($t: ID!, $m: Int!, $n: Int!) { activityConsistencyProof(teamId: $t, fromSize: $m, toSize: $n) }`,
    { t: teamId, m: fromSize, n: toSize },
    token,
  );
  if (!response.data) throw new Error(JSON.stringify(response.errors));
  return response.data.activityConsistencyProof.map((h) => Buffer.from(h, 'base64'));
}

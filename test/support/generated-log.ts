import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';

/**
 * Team logs built in the test, with RFC 9162 written out recursively as the RFC defines it (the
 * reference the kit's loops are checked against), Ed25519 keys from node:crypto, and exports in
 * the documented format. Nothing here comes from src/ or client/src/.
 */

export const sha256 = (...parts: Uint8Array[]): Buffer =>
  createHash('sha256').update(Buffer.concat(parts)).digest();
export const leafHashOf = (leaf: Uint8Array) => sha256(Buffer.from([0]), leaf);
const node = (left: Buffer, right: Buffer) => sha256(Buffer.from([1]), left, right);

/** The largest power of two smaller than n (n > 1). */
const split = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** RFC 9162 §2.1.1 MTH. */
export function referenceRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return node(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]). */
export function referenceInclusionProof(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...referenceInclusionProof(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referenceInclusionProof(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b). */
function subproof(m: number, leaves: readonly Buffer[], complete: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [referenceRoot(leaves)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), complete), referenceRoot(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), referenceRoot(leaves.slice(0, k))];
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]). */
export const referenceConsistencyProof = (m: number, leaves: readonly Buffer[]) =>
  subproof(m, leaves, true);

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export interface ExportRow {
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
  hash: string;
}

export const canonicalOf = ({ hash: _hash, ...nine }: ExportRow): string => canonicalize(nine)!;

export interface TestKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: string;
  validFrom: string;
  validUntil: string | null;
}

export function newKey(
  keyId: string,
  validFrom: string,
  validUntil: string | null = null,
): TestKey {
  const pair = generateKeyPairSync('ed25519');
  const der = pair.publicKey.export({ format: 'der', type: 'spki' });
  return {
    keyId,
    privateKey: pair.privateKey,
    publicKey: b64(der.subarray(-32)),
    validFrom,
    validUntil,
  };
}

export const publicPart = ({ keyId, publicKey, validFrom, validUntil }: TestKey) => ({
  keyId,
  publicKey,
  validFrom,
  validUntil,
});

export interface TestCheckpoint {
  teamId: string;
  treeSize: number;
  rootHash: string;
  timestamp: string;
  keyId: string;
  signature: string;
}

export function signCheckpoint(
  teamId: string,
  treeSize: number,
  rootHash: string,
  timestamp: string,
  key: TestKey,
): TestCheckpoint {
  const message = `teamgraph-checkpoint/v1\n${teamId}\n${treeSize}\n${rootHash}\n${timestamp}`;
  const signature = b64(sign(null, Buffer.from(message, 'utf8'), key.privateKey));
  return { teamId, treeSize, rootHash, timestamp, keyId: key.keyId, signature };
}

/** A row's nine members, before its chain hash (seq and team are set when appended). */
export type RowContent = Omit<ExportRow, 'teamId' | 'seq' | 'hash'>;

export const rowContent: fc.Arbitrary<RowContent> = fc
  .record({
    actorId: fc.option(fc.uuid(), { nil: null }),
    action: fc.constantFrom('ITEM_CREATED', 'ITEM_UPDATED', 'MEMBER_JOINED', 'MEMBER_LEFT'),
    subjectType: fc.constantFrom('Item', 'User', 'Team'),
    subjectId: fc.uuid(),
    sealed: fc.boolean(),
    text: fc.string({ unit: 'grapheme', maxLength: 30 }),
    details: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
    at: fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2030-01-01') }),
  })
  .map(({ sealed, text, at, details, ...rest }) => ({
    ...rest,
    // Digest-sealed rows carry only the salted digest: erasing the text changes no byte here.
    ...(sealed ? { summaryDigest: sha256(Buffer.from(text)).toString('hex') } : { summary: text }),
    details: JSON.parse(JSON.stringify(details)) as Record<string, unknown>,
    createdAt: new Date(at).toISOString(),
  }));

/** Rows 1..n of one team with their chain hashes. */
export function chainRows(teamId: string, contents: readonly RowContent[]): ExportRow[] {
  let previous = '';
  return contents.map((content, index) => {
    const row = { teamId, seq: index + 1, ...content, hash: '' };
    row.hash = createHash('sha256')
      .update(previous + canonicalOf(row), 'utf8')
      .digest('hex');
    previous = row.hash;
    return row;
  });
}

export const leavesOf = (rows: readonly ExportRow[]) =>
  rows.map((row) => leafHashOf(Buffer.from(canonicalOf(row), 'utf8')));

export interface TestExport {
  format: 'teamgraph-log-export/v1';
  teamId: string;
  rows: ExportRow[];
  checkpoint: TestCheckpoint;
  signingKeys: ReturnType<typeof publicPart>[];
}

export function exportOf(
  teamId: string,
  rows: ExportRow[],
  key: TestKey,
  timestamp: string,
  keys: readonly TestKey[] = [key],
): TestExport {
  const root = b64(referenceRoot(leavesOf(rows)));
  return {
    format: 'teamgraph-log-export/v1',
    teamId,
    rows,
    checkpoint: signCheckpoint(teamId, rows.length, root, timestamp, key),
    signingKeys: keys.map(publicPart),
  };
}

import { createHash, createPublicKey, verify } from 'node:crypto';

/**
 * A second verifier of log exports, written from docs/log-verification.md ("Verifying an export,
 * step by step") alone: it imports nothing from src/ or client/src/, and uses node:crypto and a
 * canonical JSON of its own, so a mistake shared with the kit's verifier would have to be made
 * twice. Answers 'ok' or the step that failed first.
 */
export type IndependentVerdict =
  | { ok: true }
  | { ok: false; step: 'format' | 'signature' | 'row' | 'chain' | 'root'; seq?: number };

interface Key {
  keyId: string;
  publicKey: string;
  validFrom: string;
  validUntil: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NINE = [
  'teamId',
  'seq',
  'actorId',
  'action',
  'subjectType',
  'subjectId',
  'details',
  'createdAt',
];

/** RFC 8785 for JSON.parse output: keys by UTF-16 code units, ECMAScript strings and numbers. */
function jcs(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${jcs(v)}`).join(',')}}`;
}

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** MTH(D[0:n]) exactly as defined: split at the largest power of two below n. */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

const ed25519Key = (raw: Buffer) =>
  createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
    format: 'der',
    type: 'spki',
  });

const isMillisUtc = (text: unknown) =>
  typeof text === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(text);

export function independentlyVerifyExport(
  file: unknown,
  pinned?: readonly Key[],
): IndependentVerdict {
  const f = file as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- an untyped file, checked field by field below
  // 1. Format
  if (typeof f !== 'object' || f === null || f.format !== 'teamgraph-log-export/v1')
    return { ok: false, step: 'format' };
  const cp = f.checkpoint;
  if (
    !UUID.test(f.teamId) ||
    typeof cp !== 'object' ||
    cp === null ||
    cp.teamId !== f.teamId ||
    !Array.isArray(f.rows) ||
    f.rows.length !== cp.treeSize
  )
    return { ok: false, step: 'format' };
  // 2. Signature
  const keys: Key[] = pinned ? [...pinned] : f.signingKeys;
  const key = Array.isArray(keys) ? keys.find((k) => k.keyId === cp.keyId) : undefined;
  if (!key || !isMillisUtc(cp.timestamp)) return { ok: false, step: 'signature' };
  const at = Date.parse(cp.timestamp);
  if (
    at < Date.parse(key.validFrom) ||
    (key.validUntil !== null && at > Date.parse(key.validUntil))
  )
    return { ok: false, step: 'signature' };
  const raw = Buffer.from(String(key.publicKey), 'base64');
  const signature = Buffer.from(String(cp.signature), 'base64');
  const message = Buffer.from(
    ['teamgraph-checkpoint/v1', cp.teamId, String(cp.treeSize), cp.rootHash, cp.timestamp].join(
      '\n',
    ),
    'utf8',
  );
  if (
    raw.length !== 32 ||
    signature.length !== 64 ||
    !verify(null, message, ed25519Key(raw), signature)
  )
    return { ok: false, step: 'signature' };
  // 3–5. Rows, chain, leaves
  const leaves: Buffer[] = [];
  let previous = '';
  for (let i = 0; i < f.rows.length; i += 1) {
    const row = f.rows[i];
    const seq = i + 1;
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      return { ok: false, step: 'row', seq };
    const names = Object.keys(row);
    const sealed = names.filter((n) => n === 'summary' || n === 'summaryDigest');
    const expected = [...NINE, sealed[0], 'hash'].sort();
    if (sealed.length !== 1 || jcs(names.sort()) !== jcs(expected))
      return { ok: false, step: 'row', seq };
    if (row.seq !== seq || row.teamId !== f.teamId) return { ok: false, step: 'row', seq };
    const { hash, ...nine } = row;
    const canonical = jcs(nine);
    if (
      createHash('sha256')
        .update(previous + canonical, 'utf8')
        .digest('hex') !== hash
    )
      return { ok: false, step: 'chain', seq };
    previous = hash;
    leaves.push(sha256(Buffer.from([0]), Buffer.from(canonical, 'utf8')));
  }
  // 6. Root
  if (!mth(leaves).equals(Buffer.from(String(cp.rootHash), 'base64')))
    return { ok: false, step: 'root' };
  return { ok: true };
}

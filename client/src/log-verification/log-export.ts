import { canonicalRow, chainHash, type CanonicalRow } from '../activity-hash';
import { fromBase64, sameBytes, toBase64 } from './base64';
import { verifyCheckpoint, instant, type SignedCheckpoint, type SigningKey } from './checkpoint';
import { leafHash, merkleRoot } from './merkle-tree';

/** The export format's name (docs/log-verification.md, "The export file"). */
export const LOG_EXPORT_FORMAT = 'teamgraph-log-export/v1';

export type ExportedRow = CanonicalRow & { hash: string };

/** One team's log up to a signed checkpoint, as `teamgraph log export` writes it. */
export interface LogExport {
  format: typeof LOG_EXPORT_FORMAT;
  teamId: string;
  rows: ExportedRow[];
  checkpoint: SignedCheckpoint;
  signingKeys: SigningKey[];
}

/** Which step failed first; `seq` names the row when a row is at fault. */
export interface ExportFailure {
  step: 'format' | 'signature' | 'row' | 'chain' | 'root';
  seq?: number;
  message: string;
}

export interface ExportVerification {
  /** What was checked and held, in order, one line each. */
  checked: string[];
  /** The first check that did not hold; absent when the export verifies. */
  failure?: ExportFailure;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX_HASH = /^[0-9a-f]{64}$/;
const ROW_MEMBERS = [
  'teamId',
  'seq',
  'actorId',
  'action',
  'subjectType',
  'subjectId',
  'details',
  'createdAt',
  'hash',
];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a row is not exactly the nine canonical members plus `hash`, or undefined when it is. */
function rowShapeProblem(row: unknown): string | undefined {
  if (!isObject(row)) return 'is not a JSON object';
  const sealed = ['summary', 'summaryDigest'].filter((name) => name in row);
  if (sealed.length !== 1 || typeof row[sealed[0]!] !== 'string')
    return 'needs exactly one of "summary" and "summaryDigest", a string';
  const extra = Object.keys(row).filter(
    (name) => name !== sealed[0] && !ROW_MEMBERS.includes(name),
  );
  if (extra.length) return `has members the format does not define: ${extra.join(', ')}`;
  if (!ROW_MEMBERS.every((name) => name in row)) return 'lacks one of the nine members or hash';
  if (!UUID.test(String(row.teamId)) || typeof row.teamId !== 'string')
    return 'teamId is not a lower-case UUID';
  if (!Number.isSafeInteger(row.seq)) return 'seq is not a whole number';
  if (row.actorId !== null && (typeof row.actorId !== 'string' || !UUID.test(row.actorId)))
    return 'actorId is neither null nor a lower-case UUID';
  for (const name of ['action', 'subjectType', 'subjectId'] as const)
    if (typeof row[name] !== 'string') return `${name} is not a string`;
  if (!isObject(row.details)) return 'details is not a JSON object';
  if (typeof row.createdAt !== 'string' || Number.isNaN(instant(row.createdAt)))
    return 'createdAt is not ISO 8601 UTC with milliseconds';
  if (typeof row.hash !== 'string' || !HEX_HASH.test(row.hash))
    return 'hash is not 64 lower-case hex digits';
  return undefined;
}

/** Why the file is not the export format, or undefined when its outer shape is. */
function exportShapeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'the file is not a JSON object';
  if (value.format !== LOG_EXPORT_FORMAT)
    return `"format" is ${JSON.stringify(value.format)}, expected "${LOG_EXPORT_FORMAT}"`;
  if (typeof value.teamId !== 'string' || !UUID.test(value.teamId))
    return '"teamId" is not a lower-case UUID';
  if (!Array.isArray(value.rows)) return '"rows" is not a list';
  const checkpoint = value.checkpoint;
  if (
    !isObject(checkpoint) ||
    !['teamId', 'rootHash', 'timestamp', 'keyId', 'signature'].every(
      (name) => typeof checkpoint[name] === 'string',
    ) ||
    !Number.isSafeInteger(checkpoint.treeSize)
  )
    return '"checkpoint" lacks teamId, treeSize, rootHash, timestamp, keyId or signature';
  if (!Array.isArray(value.signingKeys) || !value.signingKeys.every(isSigningKey))
    return '"signingKeys" is not a list of { keyId, publicKey, validFrom, validUntil }';
  return undefined;
}

function isSigningKey(value: unknown): value is SigningKey {
  return (
    isObject(value) &&
    typeof value.keyId === 'string' &&
    typeof value.publicKey === 'string' &&
    typeof value.validFrom === 'string' &&
    (value.validUntil === null || typeof value.validUntil === 'string')
  );
}

export interface VerifyExportOptions {
  /**
   * The keys to trust, obtained apart from the file (pinned). Without them the file's own
   * `signingKeys` are used, which proves only that whoever wrote the file holds the key.
   */
  pinnedKeys?: readonly SigningKey[];
}

/**
 * The documented offline check of an export: signature under a trusted key within its validity,
 * every row's canonical form and leaf hash, the hash chain, and the RFC 9162 root against the
 * checkpoint. Stops at the first failure. Work is linear in the file.
 */
export async function verifyLogExport(
  file: unknown,
  options: VerifyExportOptions = {},
): Promise<ExportVerification> {
  const checked: string[] = [];
  const fail = (failure: ExportFailure): ExportVerification => ({ checked, failure });

  const shape = exportShapeProblem(file);
  if (shape) return fail({ step: 'format', message: shape });
  const exported = file as LogExport;
  const { checkpoint, teamId } = exported;
  if (checkpoint.teamId !== teamId)
    return fail({
      step: 'format',
      message: `the checkpoint is for team ${checkpoint.teamId}, not ${teamId}`,
    });
  if (exported.rows.length !== checkpoint.treeSize)
    return fail({
      step: 'format',
      message: `the file holds ${exported.rows.length} rows, the checkpoint covers ${checkpoint.treeSize}`,
    });
  checked.push(`format ${LOG_EXPORT_FORMAT}, team ${teamId}, ${exported.rows.length} rows`);

  const pinned = options.pinnedKeys !== undefined;
  const keys = options.pinnedKeys ?? exported.signingKeys;
  const verdict = await verifyCheckpoint(checkpoint, keys);
  if (!verdict.valid) return fail({ step: 'signature', message: verdict.reason });
  checked.push(
    `checkpoint of size ${checkpoint.treeSize} at ${checkpoint.timestamp} is signed by key "${checkpoint.keyId}" ` +
      (pinned
        ? '(a pinned key)'
        : "(a key from the file itself: this shows only that the file's author holds it; pin keys with --key)"),
  );

  const leaves: Uint8Array[] = [];
  let previousHash = '';
  for (const [index, row] of exported.rows.entries()) {
    const seq = index + 1;
    const problem = rowShapeProblem(row);
    if (problem) return fail({ step: 'row', seq, message: `row ${seq} ${problem}` });
    if (row.seq !== seq)
      return fail({
        step: 'row',
        seq,
        message: `row ${seq} has seq ${row.seq}: rows must run 1..${checkpoint.treeSize} in order`,
      });
    if (row.teamId !== teamId)
      return fail({ step: 'row', seq, message: `row ${seq} belongs to team ${row.teamId}` });
    const canonical = canonicalRow(row);
    const expected = await chainHash(previousHash, canonical);
    if (expected !== row.hash)
      return fail({
        step: 'chain',
        seq,
        message: `row ${seq}'s hash ${row.hash} does not follow: its canonical form and the previous hash give ${expected}`,
      });
    previousHash = row.hash;
    leaves.push(await leafHash(new TextEncoder().encode(canonical)));
  }
  checked.push(
    `every row's canonical form and leaf hash; the hash chain follows from row 1 to ${leaves.length}`,
  );

  const root = await merkleRoot(leaves);
  const signedRoot = fromBase64(checkpoint.rootHash);
  if (!signedRoot || !sameBytes(root, signedRoot))
    return fail({
      step: 'root',
      message: `the Merkle root of the ${leaves.length} rows is ${toBase64(root)}, the checkpoint signs ${checkpoint.rootHash}`,
    });
  checked.push(
    `the RFC 9162 root of the ${leaves.length} leaves equals the signed root ${checkpoint.rootHash}`,
  );
  return { checked };
}

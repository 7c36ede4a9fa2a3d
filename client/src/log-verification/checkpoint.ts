import { fromBase64 } from './base64';
import { verifyEd25519 } from './log-crypto';

/** A signed statement of a team's tree: its size and root at a time (API.md `Checkpoint`). */
export interface SignedCheckpoint {
  teamId: string;
  treeSize: number;
  /** base64 of the 32-byte root hash */
  rootHash: string;
  /** ISO 8601 UTC with milliseconds, exactly as served */
  timestamp: string;
  keyId: string;
  /** base64 of the 64-byte Ed25519 signature */
  signature: string;
}

/** A public key the server signs checkpoints with, and when it may (API.md `SigningKey`). */
export interface SigningKey {
  keyId: string;
  /** base64 of the raw 32-byte Ed25519 public key */
  publicKey: string;
  validFrom: string;
  validUntil: string | null;
}

export type CheckpointVerdict = { valid: true; key: SigningKey } | { valid: false; reason: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Milliseconds of an ISO 8601 UTC instant with milliseconds, or NaN for any other spelling. */
export function instant(text: string): number {
  return INSTANT.test(text) ? Date.parse(text) : Number.NaN;
}

/** The exact bytes the server signs: five lines, no trailing newline. */
export function checkpointMessage(checkpoint: SignedCheckpoint): Uint8Array {
  const { teamId, treeSize, rootHash, timestamp } = checkpoint;
  return new TextEncoder().encode(
    `teamgraph-checkpoint/v1\n${teamId}\n${treeSize}\n${rootHash}\n${timestamp}`,
  );
}

/** Two checkpoints are the same statement when they agree on team, size and root. */
export function sameTree(a: SignedCheckpoint, b: SignedCheckpoint): boolean {
  return a.teamId === b.teamId && a.treeSize === b.treeSize && a.rootHash === b.rootHash;
}

/**
 * Checks a checkpoint's spelling and its signature under one of `keys` (the ones the caller
 * trusts: pinned, never just the ones the same server sends alongside), with its timestamp
 * inside that key's validity (both ends inclusive).
 */
export async function verifyCheckpoint(
  checkpoint: SignedCheckpoint,
  keys: readonly SigningKey[],
): Promise<CheckpointVerdict> {
  const { teamId, treeSize, rootHash, timestamp, keyId, signature } = checkpoint;
  if (!UUID.test(teamId)) return { valid: false, reason: 'teamId is not a lower-case UUID' };
  if (!Number.isSafeInteger(treeSize) || treeSize < 0)
    return { valid: false, reason: 'treeSize is not a whole number' };
  if (fromBase64(rootHash)?.length !== 32)
    return { valid: false, reason: 'rootHash is not 32 bytes of base64' };
  const at = instant(timestamp);
  if (Number.isNaN(at))
    return { valid: false, reason: 'timestamp is not ISO 8601 UTC with milliseconds' };
  const key = keys.find((candidate) => candidate.keyId === keyId);
  if (!key) return { valid: false, reason: `signed by key "${keyId}", which is not trusted` };
  const until = key.validUntil === null ? Number.POSITIVE_INFINITY : instant(key.validUntil);
  if (!(at >= instant(key.validFrom) && at <= until))
    return {
      valid: false,
      reason: `signed at ${timestamp}, outside key "${keyId}"'s validity (${key.validFrom} to ${key.validUntil ?? 'now'})`,
    };
  const publicKey = fromBase64(key.publicKey);
  const signatureBytes = fromBase64(signature);
  if (publicKey?.length !== 32) return { valid: false, reason: `key "${keyId}" is not 32 bytes` };
  if (signatureBytes?.length !== 64)
    return { valid: false, reason: 'signature is not 64 bytes of base64' };
  return (await verifyEd25519(publicKey, checkpointMessage(checkpoint), signatureBytes))
    ? { valid: true, key }
    : { valid: false, reason: `the signature does not verify under key "${keyId}"` };
}

import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';

/** What a checkpoint's signature covers, as the API serves it (API.md, "Checkpoint"). */
export interface CheckpointFields {
  teamId: string;
  treeSize: number;
  /** base64 */
  rootHash: string;
  timestamp: Date;
}

/**
 * The signed message: UTF-8 of `teamgraph-checkpoint/v1\n<teamId>\n<treeSize>\n<rootHash>\n<timestamp>`,
 * lower-case team id, decimal size, base64 root, ISO 8601 UTC with milliseconds, no final newline.
 */
export const checkpointMessage = (c: CheckpointFields): Buffer =>
  Buffer.from(
    [
      'teamgraph-checkpoint/v1',
      c.teamId.toLowerCase(),
      String(c.treeSize),
      c.rootHash,
      c.timestamp.toISOString(),
    ].join('\n'),
    'utf8',
  );

/** The operator's Ed25519 key as the server signs with it. */
export class CheckpointSigner {
  /** Raw 32 bytes, as `SigningKey.publicKey` serves it (base64). */
  readonly publicKey: Buffer;
  readonly keyId: string;

  constructor(
    private readonly privateKey: KeyObject,
    keyId?: string,
  ) {
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    this.publicKey = Buffer.from(jwk.x ?? '', 'base64url');
    this.keyId = keyId ?? derivedKeyId(this.publicKey);
  }

  /** base64 Ed25519 signature of the checkpoint's message. */
  sign(fields: CheckpointFields): string {
    return sign(null, checkpointMessage(fields), this.privateKey).toString('base64');
  }
}

/** A key id nobody chose: the first 8 bytes of SHA-256 of the raw public key, hex. */
export const derivedKeyId = (publicKey: Buffer): string =>
  createHash('sha256').update(publicKey).digest('hex').slice(0, 16);

/** When writes sign a checkpoint, and with what. */
export interface CheckpointPolicy {
  signer: CheckpointSigner;
  /** A write signs when this many rows came since the team's last write-made checkpoint... */
  everyRows: number;
  /** ...or when that checkpoint is this old (ms). */
  intervalMs: number;
  /** False only in a benchmark measuring what the tree costs (BENCH_WITHOUT_MERKLE_TREE). */
  appendTree: boolean;
}

let processPolicy: CheckpointPolicy | undefined;

/** Set once at start-up (connectDatabase), before any activity is written. */
export function useCheckpointPolicy(policy: CheckpointPolicy): void {
  processPolicy = policy;
}

export const currentCheckpointPolicy = (): CheckpointPolicy => {
  if (!processPolicy) throw new Error('activity is written, but no checkpoint key was set');
  return processPolicy;
};

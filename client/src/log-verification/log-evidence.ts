import type { SignedCheckpoint } from './checkpoint';

/**
 * Two signed checkpoints that cannot both be true of one append-only log: the proof that the
 * server showed different histories. Keep it; anyone can check it with the server's public key.
 */
export interface ForkReport {
  teamId: string;
  /** The checkpoint the client had verified and kept. */
  kept: SignedCheckpoint;
  /** The signed checkpoint that contradicts it. */
  other: SignedCheckpoint;
  /**
   * `consistency`: the server's consistency proof between the two does not verify (or it gave
   * none); `same-size`: both sign one size with different roots; `witness`: the server answered
   * CONFLICT to the client's report of `kept`, naming `other` as what it had signed.
   */
  how: 'consistency' | 'same-size' | 'witness';
  /** The consistency proof that failed (base64 hashes), when there was one. */
  proof?: string[];
  /** For `witness`: the server's `extensions.reported` ({ treeSize, rootHash }). */
  reported?: { treeSize: number; rootHash: string };
  message: string;
}

/** A row, proof or checkpoint that does not verify, with what it was checked against. */
export interface LogTamperReport {
  kind: 'log';
  teamId: string;
  /** The row at fault, when one is: its seq, and the row itself while the client still holds it. */
  seq?: number;
  row?: unknown;
  /** That row's leaf hash as the client computed it (base64). */
  leafHash?: string;
  /** The proof that failed (base64 hashes). */
  proof?: string[];
  /** The checkpoint it was checked against. */
  checkpoint: SignedCheckpoint;
  message: string;
}

/** How far the client has verified the log. */
export interface LogVerifiedReport {
  teamId: string;
  /** Every row up to this seq is in `checkpoint` (and was checked against it). */
  verifiedSeq: number;
  checkpoint: SignedCheckpoint;
  /** Distinct members who reported this checkpoint, as the server counts them, once witnessed. */
  witnesses?: number;
}

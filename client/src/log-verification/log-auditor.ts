import { canonicalActivity, type ChainedActivity } from '../activity-hash';
import { fromBase64, sameBytes, toBase64 } from './base64';
import { verifyCheckpoint, type SignedCheckpoint, type SigningKey } from './checkpoint';
import { appendLeaf, rangeFromLastLeafProof, rangeRoot, type CompactRange } from './compact-range';
import type { ForkReport, LogTamperReport, LogVerifiedReport } from './log-evidence';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle-tree';

/** Where the auditor asks the server for what it cannot compute (the kit's GraphQL, in use). */
export interface LogProofSource {
  /** RFC 9162 proofs (base64); undefined when the server refuses to give one. */
  inclusionProof(seq: number, treeSize: number): Promise<string[] | undefined>;
  consistencyProof(fromSize: number, toSize: number): Promise<string[] | undefined>;
  /** The server's published keys: read only to trust on first use, never to override a pin. */
  signingKeys(): Promise<SigningKey[]>;
  /** Reports a verified checkpoint: the server's count of witnesses, or its CONFLICT evidence. */
  witness(checkpoint: SignedCheckpoint): Promise<WitnessAnswer>;
}

export type WitnessAnswer =
  | { witnesses: number }
  | { conflict: { signed: SignedCheckpoint; reported: { treeSize: number; rootHash: string } } };

/** What a client keeps across restarts, beside its resume position (JSON as it stands). */
export interface LogAuditState {
  /** The keys it trusts, and whether they were pinned or taken on first use. */
  keys: SigningKey[];
  trust: 'pinned' | 'first-use';
  /** The newest checkpoint it verified, and the subtree roots of the leaves it covers. */
  kept?: SignedCheckpoint;
  range?: { size: number; hashes: string[] };
  /** Rows accepted after `range` (or the row to anchor on, when there is no range yet). */
  pending: { seq: number; leafHash: string }[];
}

export interface LogAuditHandlers {
  onVerified?(report: LogVerifiedReport): void;
  onFork?(report: ForkReport): void;
  onTamper?(report: LogTamperReport): void;
}

interface PendingRow {
  seq: number;
  leaf: Uint8Array;
  /** The row as received, for the evidence; absent for rows restored from a saved state. */
  row?: ChainedActivity;
}

/** Checkpoints ahead of the rows wait here; the server sends one per 100 rows at most. */
const MAX_WAITING_CHECKPOINTS = 16;

const decodeAll = (hashes: readonly string[]): Uint8Array[] | undefined => {
  const decoded = hashes.map(fromBase64);
  return decoded.every((hash) => hash?.length === 32) ? (decoded as Uint8Array[]) : undefined;
};

/**
 * Checks one team's log as a client receives it: every row it shows against a signed
 * checkpoint, each checkpoint against the one it kept, and reports what does not hold.
 *
 * Rows extend a compact range of the tree, so a checkpoint covering any number of new rows costs
 * one consistency proof and no inclusion proof: the root the rows give must be the signed root.
 * Inclusion proofs are fetched only to anchor (once, for the first row seen) and to name the row
 * at fault when a root does not match. Everything runs in one queue, off the caller's path.
 */
export class LogAuditor {
  private keys: SigningKey[];
  private readonly trust: 'pinned' | 'first-use';
  private kept: SignedCheckpoint | undefined;
  private range: CompactRange | undefined;
  private pending: PendingRow[];
  private waiting: SignedCheckpoint[] = [];
  private broken = false;
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly teamId: string,
    private readonly source: LogProofSource,
    private readonly handlers: LogAuditHandlers,
    options: { pinnedKeys?: readonly SigningKey[]; saved?: LogAuditState },
  ) {
    const saved = options.saved;
    // Keys pinned now win over a saved trust-on-first-use set.
    this.keys = options.pinnedKeys ? [...options.pinnedKeys] : [...(saved?.keys ?? [])];
    this.trust = options.pinnedKeys || saved?.trust === 'pinned' ? 'pinned' : 'first-use';
    this.kept = saved?.kept;
    const hashes = saved?.range && decodeAll(saved.range.hashes);
    this.range = saved?.range && hashes ? { size: saved.range.size, hashes } : undefined;
    this.pending = (saved?.pending ?? []).flatMap(({ seq, leafHash: leaf }) => {
      const bytes = fromBase64(leaf);
      return bytes ? [{ seq, leaf: bytes }] : [];
    });
  }

  /** The state to store with the resume position. */
  get state(): LogAuditState {
    return {
      keys: this.keys,
      trust: this.trust,
      kept: this.kept,
      range: this.range && {
        size: this.range.size,
        hashes: this.range.hashes.map(toBase64),
      },
      pending: this.pending.map(({ seq, leaf }) => ({ seq, leafHash: toBase64(leaf) })),
    };
  }

  /** The newest checkpoint verified, if any. */
  get keptCheckpoint(): SignedCheckpoint | undefined {
    return this.kept;
  }

  /** Resolves once everything handed in so far has been checked. */
  idle(): Promise<void> {
    return this.work;
  }

  /** A row the hash chain accepted (in seq order; duplicates are ignored). */
  acceptRow(row: ChainedActivity): void {
    this.enqueue(async () => {
      const last = this.lastSeq();
      if (last !== undefined && row.seq <= last) return;
      const leaf = await leafHash(new TextEncoder().encode(canonicalActivity(row)));
      if (last !== undefined && row.seq !== last + 1) {
        // A hole (reported by the chain): the range cannot cross it, so anchor again here.
        this.range = undefined;
        this.pending = [];
      }
      this.pending.push({ seq: row.seq, leaf, row });
      await this.checkWaiting();
    });
  }

  /** A signed checkpoint from the server (on a live row or asked for). */
  acceptCheckpoint(checkpoint: SignedCheckpoint): void {
    this.enqueue(async () => {
      if (checkpoint.teamId !== this.teamId) return;
      if (!this.waiting.some((c) => c.treeSize === checkpoint.treeSize)) {
        this.waiting.push(checkpoint);
        this.waiting.sort((a, b) => a.treeSize - b.treeSize);
        // The newest checkpoints matter most: each covers everything before it.
        this.waiting.splice(0, Math.max(0, this.waiting.length - MAX_WAITING_CHECKPOINTS));
      }
      await this.checkWaiting();
    });
  }

  private enqueue(job: () => Promise<void>): void {
    this.work = this.work.then(async () => {
      if (!this.broken) await job();
    });
  }

  /**
   * Reports the kept checkpoint again (after a restart or a reconnect, perhaps to another
   * server): a server that signed another root for that size answers CONFLICT, a fork.
   */
  witnessKept(): void {
    this.enqueue(async () => {
      const kept = this.kept;
      if (kept)
        await this.witness(kept, {
          teamId: this.teamId,
          verifiedSeq: kept.treeSize,
          checkpoint: kept,
        });
    });
  }

  /** Checks again what waited for the server (call after a reconnect). */
  retry(): void {
    this.enqueue(() => this.checkWaiting());
  }

  private lastSeq(): number | undefined {
    return this.pending.at(-1)?.seq ?? this.range?.size ?? this.kept?.treeSize;
  }

  /** Checks every waiting checkpoint the rows have reached, oldest first. */
  private async checkWaiting(): Promise<void> {
    const last = this.lastSeq() ?? 0;
    while (!this.broken && this.waiting[0] && this.waiting[0].treeSize <= last) {
      const next = this.waiting[0];
      try {
        await this.check(next);
      } catch {
        // The server could not be asked (network): the checkpoint waits for the next event.
        return;
      }
      this.waiting.shift();
    }
    // One that covers rows the client never received (it started after them) is kept waiting.
  }

  private async check(checkpoint: SignedCheckpoint): Promise<void> {
    if (!(await this.signatureHolds(checkpoint))) return;
    const kept = this.kept;
    if (kept && checkpoint.treeSize <= kept.treeSize) {
      await this.checkOlder(kept, checkpoint);
      return;
    }
    if (kept && !(await this.consistent(kept, checkpoint))) return;
    if (!this.range && !(await this.anchor(checkpoint))) return;
    const range = this.range;
    if (!range || range.size > checkpoint.treeSize) return; // anchored past it: wait for the next
    let extended = range;
    const covered = this.pending.filter((row) => row.seq <= checkpoint.treeSize);
    for (const row of covered) extended = await appendLeaf(extended, row.leaf);
    const root = fromBase64(checkpoint.rootHash)!;
    if (!sameBytes(await rangeRoot(extended), root)) {
      await this.nameTamperedRow(covered, checkpoint);
      return;
    }
    this.kept = checkpoint;
    this.range = extended;
    this.pending = this.pending.filter((row) => row.seq > checkpoint.treeSize);
    const verified = { teamId: this.teamId, verifiedSeq: checkpoint.treeSize, checkpoint };
    this.handlers.onVerified?.(verified);
    await this.witness(checkpoint, verified);
  }

  /** Signature under a trusted key; unknown keys are fetched only when trusting on first use. */
  private async signatureHolds(checkpoint: SignedCheckpoint): Promise<boolean> {
    if (this.trust === 'first-use' && !this.keys.some((k) => k.keyId === checkpoint.keyId)) {
      const published = await this.source.signingKeys();
      // A key once trusted never changes its bytes; new key ids are added (first use again).
      for (const key of published) {
        const known = this.keys.find((k) => k.keyId === key.keyId);
        if (!known) this.keys.push(key);
      }
    }
    const verdict = await verifyCheckpoint(checkpoint, this.keys);
    if (verdict.valid) return true;
    this.fail({
      teamId: this.teamId,
      checkpoint,
      message: `checkpoint rejected: ${verdict.reason}`,
    });
    return false;
  }

  /** A checkpoint no newer than the kept one must be the same tree or a prefix of it. */
  private async checkOlder(kept: SignedCheckpoint, older: SignedCheckpoint): Promise<void> {
    if (older.treeSize === kept.treeSize) {
      if (older.rootHash !== kept.rootHash)
        this.fork(kept, older, 'same-size', `two signed roots for size ${kept.treeSize}`);
      return;
    }
    await this.consistent(older, kept, kept, older);
  }

  /** RFC 9162 consistency of `first` into `second`; a failure is a fork between kept and other. */
  private async consistent(
    first: SignedCheckpoint,
    second: SignedCheckpoint,
    kept: SignedCheckpoint = first,
    other: SignedCheckpoint = second,
  ): Promise<boolean> {
    const proof = await this.source.consistencyProof(first.treeSize, second.treeSize);
    const hashes = proof && decodeAll(proof);
    const holds =
      hashes !== undefined &&
      (await verifyConsistency(
        first.treeSize,
        second.treeSize,
        hashes,
        fromBase64(first.rootHash)!,
        fromBase64(second.rootHash)!,
      ));
    if (!holds)
      this.fork(
        kept,
        other,
        'consistency',
        proof
          ? `the tree of size ${second.treeSize} does not extend the tree of size ${first.treeSize}: the consistency proof fails`
          : `the server gave no consistency proof from size ${first.treeSize} to ${second.treeSize}`,
        proof,
      );
    return holds;
  }

  /**
   * The first row seen, proved into the checkpoint: the inclusion proof of that row in the tree
   * that ends with it gives the subtree roots left of it, and the consistency proof from that
   * size to the signed one shows they are the signed tree's.
   */
  private async anchor(checkpoint: SignedCheckpoint): Promise<boolean> {
    const first = this.pending[0];
    if (!first || first.seq > checkpoint.treeSize) return false;
    const inclusion = await this.source.inclusionProof(first.seq, first.seq);
    const inclusionHashes = inclusion && decodeAll(inclusion);
    const range =
      inclusionHashes && (await rangeFromLastLeafProof(first.seq, first.leaf, inclusionHashes));
    const consistency =
      first.seq === checkpoint.treeSize
        ? []
        : await this.source.consistencyProof(first.seq, checkpoint.treeSize);
    const consistencyHashes = consistency && decodeAll(consistency);
    const holds =
      range !== undefined &&
      consistencyHashes !== undefined &&
      (await verifyConsistency(
        first.seq,
        checkpoint.treeSize,
        consistencyHashes,
        await rangeRoot(range),
        fromBase64(checkpoint.rootHash)!,
      ));
    if (!holds) {
      this.fail({
        teamId: this.teamId,
        seq: first.seq,
        row: first.row,
        leafHash: toBase64(first.leaf),
        proof: [...(inclusion ?? []), ...(consistency ?? [])],
        checkpoint,
        message: `row ${first.seq} is not in the signed tree of size ${checkpoint.treeSize}: its inclusion and consistency proofs fail`,
      });
      return false;
    }
    this.range = range;
    this.pending = this.pending.slice(1);
    return true;
  }

  /** The rows do not give the signed root: find the first whose inclusion proof fails. */
  private async nameTamperedRow(rows: PendingRow[], checkpoint: SignedCheckpoint): Promise<void> {
    const root = fromBase64(checkpoint.rootHash)!;
    for (const row of rows) {
      const proof = await this.source.inclusionProof(row.seq, checkpoint.treeSize);
      const hashes = proof && decodeAll(proof);
      if (
        hashes &&
        (await verifyInclusion(row.seq - 1, checkpoint.treeSize, row.leaf, hashes, root))
      )
        continue;
      this.fail({
        teamId: this.teamId,
        seq: row.seq,
        row: row.row,
        leafHash: toBase64(row.leaf),
        proof,
        checkpoint,
        message: `row ${row.seq} as received is not in the signed tree of size ${checkpoint.treeSize}`,
      });
      return;
    }
    this.fail({
      teamId: this.teamId,
      checkpoint,
      message: `rows ${rows[0]?.seq}..${rows.at(-1)?.seq} do not give the signed root ${checkpoint.rootHash}`,
    });
  }

  private async witness(checkpoint: SignedCheckpoint, verified: LogVerifiedReport): Promise<void> {
    let answer: WitnessAnswer;
    try {
      answer = await this.source.witness(checkpoint);
    } catch {
      return; // verified all the same; the next checkpoint is witnessed instead
    }
    if ('witnesses' in answer) {
      this.handlers.onVerified?.({ ...verified, witnesses: answer.witnesses });
      return;
    }
    this.fork(
      checkpoint,
      answer.conflict.signed,
      'witness',
      `the server signed a checkpoint that contradicts this one (size ${answer.conflict.signed.treeSize})`,
      undefined,
      answer.conflict.reported,
    );
  }

  private fork(
    kept: SignedCheckpoint,
    other: SignedCheckpoint,
    how: ForkReport['how'],
    message: string,
    proof?: string[],
    reported?: ForkReport['reported'],
  ): void {
    this.handlers.onFork?.({ teamId: this.teamId, kept, other, how, proof, reported, message });
  }

  /** A row or checkpoint that does not verify: reported, and nothing more is trusted. */
  private fail(report: Omit<LogTamperReport, 'kind'>): void {
    if (report.seq !== undefined) this.broken = true;
    this.handlers.onTamper?.({ kind: 'log', ...report });
  }
}

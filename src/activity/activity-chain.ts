import type { Activity } from '../../entities/activity.entity';
import {
  computeActivityHash,
  summaryMatchesSeal,
  type HashedActivityFields,
} from '../db/activity-hash';

/** A stored row as the walk checks it; its salt is null once the summary was erased. */
export type ChainRow = HashedActivityFields &
  Pick<Activity, 'hash'> &
  Partial<Pick<Activity, 'summarySalt'>>;

/** Where a walk along the chain stands: the next seq expected and the hash it must chain to. */
export interface ChainPosition {
  previousHash: string;
  expectedSeq: number;
  /** Rows checked so far, up to and including the first broken one. */
  checked: number;
  /** The first seq that is altered or missing; null while intact. */
  brokenSeq: number | null;
}

/**
 * Checks consecutive rows from `position` on: each must carry the next seq and hash to
 * SHA-256(previous hash || row). Pure CPU work: it runs in the CPU worker pool.
 */
export function verifyChainSegment(input: {
  position: ChainPosition;
  rows: ChainRow[];
}): ChainPosition {
  let { previousHash, expectedSeq, checked } = input.position;
  for (const row of input.rows) {
    checked += 1;
    if (
      row.seq !== expectedSeq ||
      !summaryMatchesSeal(row) ||
      computeActivityHash(previousHash, row) !== row.hash
    ) {
      return { previousHash, expectedSeq, checked, brokenSeq: expectedSeq };
    }
    previousHash = row.hash;
    expectedSeq += 1;
  }
  return { previousHash, expectedSeq, checked, brokenSeq: null };
}

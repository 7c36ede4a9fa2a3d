import { activityHash, type ChainedActivity } from './activity-hash';

/** Where a follower stands in one team's log: the last seq it accepted and that row's hash. */
export interface ChainPosition {
  seq: number;
  hash: string;
}

export type ChainVerdict =
  | { kind: 'next' }
  | { kind: 'duplicate' }
  /** Seqs fromSeq..toSeq never arrived; the chain re-anchors on the row that did. */
  | { kind: 'gap'; fromSeq: number; toSeq: number }
  /** The row does not hash to what the server claims, given the row before it. */
  | { kind: 'tamper'; expectedHash: string; receivedHash: string };

/**
 * One team's hash chain as a client sees it. Without a known position it anchors on the first
 * row it receives (a client started mid-log), except seq 1, whose previous hash is ''.
 */
export class ActivityChain {
  constructor(private position: ChainPosition | undefined = undefined) {}

  get current(): ChainPosition | undefined {
    return this.position;
  }

  async accept(activity: ChainedActivity): Promise<ChainVerdict> {
    const at = this.position;
    if (at && activity.seq <= at.seq) return { kind: 'duplicate' };
    const here = { seq: activity.seq, hash: activity.hash };
    if (at && activity.seq > at.seq + 1) {
      this.position = here;
      return { kind: 'gap', fromSeq: at.seq + 1, toSeq: activity.seq - 1 };
    }
    const previous = at ? at.hash : activity.seq === 1 ? '' : undefined;
    this.position = here;
    if (previous === undefined) return { kind: 'next' };
    const expected = await activityHash(previous, activity);
    return expected === activity.hash
      ? { kind: 'next' }
      : { kind: 'tamper', expectedHash: expected, receivedHash: activity.hash };
  }
}

import type { ActivityFieldsFragment } from '../generated/graphql';
import type { ChainPosition } from './activity-chain';
import type { FeedEnd, FeedStatus } from './feed-loop';
import type { LogAuditState } from './log-verification/log-auditor';
import type {
  ForkReport,
  LogTamperReport,
  LogVerifiedReport,
} from './log-verification/log-evidence';

export type Activity = ActivityFieldsFragment;

export interface GapReport {
  teamId: string;
  /** The missing seqs, inclusive. */
  fromSeq: number;
  toSeq: number;
}

/** A row whose hash does not chain to the row before it. */
export interface ChainTamperReport {
  kind: 'chain';
  teamId: string;
  seq: number;
  /** What the row should hash to, given the row before it and the documented canonical form. */
  expectedHash: string;
  receivedHash: string;
}

/** Something that does not verify: the hash chain, or the Merkle tree and its checkpoints. */
export type TamperReport = ChainTamperReport | LogTamperReport;

/** Where a team follow stands: its chain position and, for a team feed, the log's checks. */
export interface FollowPosition extends ChainPosition {
  /** Store it with seq and hash; pass it back as `log` to go on checking where it stopped. */
  log?: LogAuditState;
}

export interface ActivityHandlers {
  /** Each activity once, in seq order per team. */
  onActivity(activity: Activity): void;
  /** The feed ended for good: ACCESS_REVOKED, a 4401/4403 close, or a refused subscribe. */
  onRevoked?(end: FeedEnd): void;
  /** Seqs that never arrived and could not be fetched: the log has a hole. */
  onGap?(gap: GapReport): void;
  /**
   * A row whose hash does not chain, or (team feeds) a row, proof or checkpoint that does not
   * verify against the signed tree: the server's log was altered.
   */
  onTamper?(report: TamperReport): void;
  /** Team feeds: two signed checkpoints that cannot both be true, with both. */
  onFork?(report: ForkReport): void;
  /** Team feeds: every row up to `verifiedSeq` is in a signed checkpoint (then: witnessed). */
  onVerified?(report: LogVerifiedReport): void;
  onStatus?(status: FeedStatus): void;
}

export interface ActivityFollow {
  stop(): void;
  /** Resolves with the reason once the feed has ended for good. */
  done: Promise<FeedEnd>;
  /** The last accepted row of a team: store it to resume later (afterSeq, lastHash, log). */
  position(teamId: string): FollowPosition | undefined;
  readonly stats: { duplicatesDropped: number; reconnects: number };
  /** Team feeds: resolves once the log's checks have caught up with what arrived. */
  idle?(): Promise<void>;
}

import type { ActivityFieldsFragment } from '../generated/graphql';
import type { ChainPosition } from './activity-chain';
import type { FeedEnd, FeedStatus } from './feed-loop';

export type Activity = ActivityFieldsFragment;

export interface GapReport {
  teamId: string;
  /** The missing seqs, inclusive. */
  fromSeq: number;
  toSeq: number;
}

export interface TamperReport {
  teamId: string;
  seq: number;
  /** What the row should hash to, given the row before it and the documented canonical form. */
  expectedHash: string;
  receivedHash: string;
}

export interface ActivityHandlers {
  /** Each activity once, in seq order per team. */
  onActivity(activity: Activity): void;
  /** The feed ended for good: ACCESS_REVOKED, a 4401/4403 close, or a refused subscribe. */
  onRevoked?(end: FeedEnd): void;
  /** Seqs that never arrived and could not be fetched: the log has a hole. */
  onGap?(gap: GapReport): void;
  /** A row whose hash does not chain: the server's log was altered. */
  onTamper?(report: TamperReport): void;
  onStatus?(status: FeedStatus): void;
}

export interface ActivityFollow {
  stop(): void;
  /** Resolves with the reason once the feed has ended for good. */
  done: Promise<FeedEnd>;
  /** The last accepted row of a team: store it to resume later (afterSeq + lastHash). */
  position(teamId: string): ChainPosition | undefined;
  readonly stats: { duplicatesDropped: number; reconnects: number };
}

export { createTeamgraphClient } from './teamgraph-client';
export type { TeamgraphClient, TeamgraphClientOptions, TypedOperation } from './teamgraph-client';
export type {
  Activity,
  ActivityFollow,
  ActivityHandlers,
  ChainTamperReport,
  FollowPosition,
  GapReport,
  TamperReport,
} from './activity-follow';
export type {
  ForkReport,
  LogTamperReport,
  LogVerifiedReport,
} from './log-verification/log-evidence';
export type { LogAuditState } from './log-verification/log-auditor';
export {
  verifyCheckpoint,
  type SignedCheckpoint,
  type SigningKey,
} from './log-verification/checkpoint';
export { verifyLogExport, type LogExport } from './log-verification/log-export';
export type { FeedEnd, FeedLoop, FeedStatus } from './feed-loop';
export type { AccountEvent, AccountEventHandlers } from './follow-account-events';
export { ActivityChain, type ChainPosition, type ChainVerdict } from './activity-chain';
export { activityHash, canonicalActivity, type ChainedActivity } from './activity-hash';
export { TeamgraphError } from './errors';
export { backoffDelay, type BackoffOptions } from './backoff';
export * as operations from '../generated/graphql';

export { createTeamgraphClient } from './teamgraph-client';
export type { TeamgraphClient, TeamgraphClientOptions, TypedOperation } from './teamgraph-client';
export type {
  Activity,
  ActivityFollow,
  ActivityHandlers,
  GapReport,
  TamperReport,
} from './activity-follow';
export type { FeedEnd, FeedLoop, FeedStatus } from './feed-loop';
export type { AccountEvent, AccountEventHandlers } from './follow-account-events';
export { ActivityChain, type ChainPosition, type ChainVerdict } from './activity-chain';
export { activityHash, canonicalActivity, type ChainedActivity } from './activity-hash';
export { TeamgraphError } from './errors';
export { backoffDelay, type BackoffOptions } from './backoff';
export * as operations from '../generated/graphql';

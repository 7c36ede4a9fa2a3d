import type { Logger } from 'pino';
import type { Viewer } from '../src/accounts/session.service';
import type { LiveTarget } from '../src/live/live-target';
import type { Loaders } from '../src/loaders/loaders';
import type { OperationCharge } from '../src/rate-limit/cost-budget';
import type { Services } from '../src/services';

/**
 * The parts resolvers and permission rules may call: services and the limits and settings
 * they report, never the connection, a repository or the bus.
 */
export type ResolverServices = Pick<
  Services,
  | 'config'
  | 'rateLimits'
  | 'sessions'
  | 'accounts'
  | 'passwordReset'
  | 'emailVerification'
  | 'emailChange'
  | 'twoFactor'
  | 'accountDeletion'
  | 'twoFactorRequirement'
  | 'teams'
  | 'userMemberships'
  | 'invitations'
  | 'memberPages'
  | 'invitationPages'
  | 'items'
  | 'activityFeed'
  | 'activityLog'
  | 'activityProofs'
  | 'readState'
  | 'liveStreams'
>;

/** What every resolver and permission rule receives, per HTTP request or WebSocket operation. */
export interface Context {
  requestId: string;
  /** The signed-in user and session; null when anonymous or the token is invalid. */
  viewer: Viewer | null;
  /** True when a bearer token was sent but is unknown, revoked or expired. */
  invalidToken: boolean;
  ip: string;
  userAgent: string | null;
  loaders: Loaders;
  /** Replaces `loaders` with fresh ones (after a mutation) and returns them. */
  freshLoaders(): Loaders;
  services: ResolverServices;
  logger: Logger;
  /** What this operation was charged against its caller's budget over time, once charged. */
  costCharge?: OperationCharge;
  /** Set for a subscription over a socket: where an audience may write its results. */
  live?: LiveTarget;
}

import type { Logger } from 'pino';
import type { Viewer } from '../src/accounts/session.service';
import type { LiveOutlet } from '../src/live/live-transport';
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

/**
 * What every resolver and permission rule receives, per HTTP request or WebSocket operation.
 * `Uses` names the services a resolver or rule calls (`Context<'teams'>`; `Context<never>`
 * for one that calls none): each sees only those, though every request carries them all.
 */
export interface Context<Uses extends keyof ResolverServices = keyof ResolverServices> {
  requestId: string;
  /** The signed-in user and session; null when anonymous or the token is invalid. */
  viewer: Viewer | null;
  /** True when a bearer token was sent but is unknown, revoked or expired. */
  invalidToken: boolean;
  ip: string;
  userAgent: string | null;
  loaders: Loaders;
  /** New loaders for this request's viewer (a mutation's result is served by fresh ones). */
  freshLoaders(): Loaders;
  services: Pick<ResolverServices, Uses>;
  logger: Logger;
  /** What this operation was charged against its caller's budget over time, once charged. */
  costCharge?: OperationCharge;
  /** Set for a subscription over a socket: where an audience may write its results. */
  live?: LiveOutlet;
}

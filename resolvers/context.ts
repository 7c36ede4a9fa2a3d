import type { Logger } from 'pino';
import type { Viewer } from '../src/accounts/session.service';
import type { LiveTarget } from '../src/live/live-target';
import type { Loaders } from '../src/loaders/loaders';
import type { OperationCharge } from '../src/rate-limit/cost-budget';
import type { Services } from '../src/services';

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
  services: Services;
  logger: Logger;
  /** What this operation was charged against its caller's budget over time, once charged. */
  costCharge?: OperationCharge;
  /** Set for a subscription over a socket: where an audience may write its results. */
  live?: LiveTarget;
}

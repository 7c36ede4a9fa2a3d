import type { Loaders } from '../loaders/loaders';
import type { LiveOutlet } from './live-transport';

/**
 * Whom a live feed serves, as the live layer sees them: the signed-in user and session, the
 * outlet an audience may write their results to, and how each item's fresh loaders reach the
 * fields resolved for it. The API builds it from its request context.
 */
export interface LiveSubscriber {
  readonly userId: string;
  readonly sessionId: string;
  /** Set for a subscription over a socket. */
  readonly live?: LiveOutlet;
  /** The next item's permission rules and field resolvers read these loaders. */
  useLoaders(loaders: Loaders): void;
}

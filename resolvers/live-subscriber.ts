import type { LiveSubscriber } from '../src/live/live-subscriber';
import type { Context } from './context';
import { requireViewer } from './viewer';

/** The live layer's view of a subscription's request: its viewer, outlet and loaders. */
export function liveSubscriber(ctx: Context<never>): LiveSubscriber {
  const viewer = requireViewer(ctx);
  return {
    userId: viewer.user.id,
    sessionId: viewer.session.id,
    live: ctx.live,
    useLoaders: (loaders) => {
      // graphql-ws keeps one context per operation: each item's fields read this item's loaders.
      ctx.loaders = loaders;
    },
  };
}

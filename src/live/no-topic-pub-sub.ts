import type { PubSub } from 'type-graphql';

/**
 * type-graphql insists on a PubSub once a schema has subscriptions, but ours never use
 * topics: each builds its own stream on the event bus (src/live/). This one refuses use.
 */
export const noTopicPubSub: PubSub = {
  publish() {
    throw new Error('Topic subscriptions are not used; publish on the EventBus.');
  },
  subscribe() {
    throw new Error('Topic subscriptions are not used; give @Subscription a subscribe function.');
  },
};

import { openAccountEventStream, type AccountEventStream } from './account-event-stream';
import type { LiveActivityFeed, LiveActivityFeedOptions } from './live-activity-feed';
import type { LiveSubscriber } from './live-subscriber';
import { openMyActivityStream } from './my-activity-stream';
import { openTeamActivityStream } from './team-activity-stream';

/**
 * The live feeds a subscription opens, bound to this instance's parts by the composition
 * root: the resolvers open them without holding the connection or the bus themselves.
 */
export interface LiveStreams {
  teamActivity(
    subscriber: LiveSubscriber,
    teamId: string,
    afterSeq: number | null | undefined,
  ): Promise<LiveActivityFeed>;
  myActivity(subscriber: LiveSubscriber): Promise<LiveActivityFeed>;
  accountEvents(subscriber: LiveSubscriber): Promise<AccountEventStream>;
}

export function liveStreams(parts: LiveActivityFeedOptions['services']): LiveStreams {
  return {
    teamActivity: (subscriber, teamId, afterSeq) =>
      openTeamActivityStream(parts, subscriber, teamId, afterSeq),
    myActivity: (subscriber) => openMyActivityStream(parts, subscriber),
    accountEvents: (subscriber) => openAccountEventStream(parts, subscriber),
  };
}

import { Arg, ID, Int, Resolver, Root, Subscription } from 'type-graphql';
import { Activity } from '../entities/activity.entity';
import type { Context } from './context';
import { accessRevoked } from '../src/errors/errors';
import type { AccountEvent } from '../src/events/domain-events';
import { AccessLost } from '../src/live/feed-checked';
import type { FeedItem } from '../src/live/live-activity-feed';
import { liveSubscriber } from './live-subscriber';
import { AccountEventObject } from './types/account-event.type';

/** The service these resolvers call. */
type Uses = 'liveStreams';

interface SubscribeData<TArgs = Record<string, unknown>> {
  args: TArgs;
  context: Context<Uses>;
}

/** A feed's items are activities, except the last one of a feed whose access ended. */
function deliver(item: FeedItem): Activity {
  if (item instanceof AccessLost) throw accessRevoked();
  return item;
}

/**
 * Live feeds over graphql-ws. Authorization happens where each stream starts and on every
 * item (src/live/); the permission map re-checks each result as it is resolved.
 */
@Resolver()
export class LiveResolver {
  @Subscription(() => Activity, {
    description:
      'Stored activity after `afterSeq` (if given), then live; ends with ACCESS_REVOKED when I leave the team or it is deleted.',
    subscribe: ({ args, context }: SubscribeData<{ teamId: string; afterSeq?: number | null }>) =>
      context.services.liveStreams.teamActivity(
        liveSubscriber(context),
        args.teamId,
        args.afterSeq,
      ),
  })
  teamActivity(
    @Root() item: FeedItem,
    @Arg('teamId', () => ID) _teamId: string,
    @Arg('afterSeq', () => Int, { nullable: true }) _afterSeq?: number,
  ): Activity {
    return deliver(item);
  }

  @Subscription(() => Activity, {
    description: 'Activity of all my teams, live; follows joins and removals.',
    subscribe: ({ context }: SubscribeData) =>
      context.services.liveStreams.myActivity(liveSubscriber(context)),
  })
  myActivity(@Root() item: FeedItem): Activity {
    return deliver(item);
  }

  @Subscription(() => AccountEventObject, {
    description: "My own account's events, live.",
    subscribe: ({ context }: SubscribeData) =>
      context.services.liveStreams.accountEvents(liveSubscriber(context)),
  })
  accountEvents(@Root() event: AccountEvent): AccountEventObject {
    return Object.assign(new AccountEventObject(), {
      type: event.type,
      sessionId: event.sessionId,
      details: event.details,
      createdAt: new Date(event.createdAt),
    });
  }
}

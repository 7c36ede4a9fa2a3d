import { badInput, forbidden, heldForTwoFactor } from '../errors/errors';
import { isUuid } from '../validation/ids';
import { LiveActivityFeed, type LiveActivityFeedOptions } from './live-activity-feed';
import { liveReads } from './live-reads';
import type { LiveSubscriber } from './live-subscriber';

/**
 * `teamActivity(teamId, afterSeq)`: authorizes where the subscription starts (the permission
 * map does not guard this step), then replays stored rows after `afterSeq` and goes live.
 * The team's channel is listened to before membership and rows are read, so a removal or a
 * commit in between is not missed. A non-member gets FORBIDDEN and no listener is left.
 */
export async function openTeamActivityStream(
  services: LiveActivityFeedOptions['services'],
  subscriber: LiveSubscriber,
  teamId: string,
  afterSeq: number | null | undefined,
): Promise<LiveActivityFeed> {
  if (afterSeq != null && afterSeq < 0) throw badInput('afterSeq', 'afterSeq must be 0 or more.');
  if (!isUuid(teamId)) throw forbidden();
  const feed = new LiveActivityFeed({
    services,
    subscriber,
    onAccessLost: 'end',
    followJoins: false,
  });
  try {
    await feed.follow(teamId, 0, false);
    // One statement, batched with every other feed starting now: role and last seq.
    const start = await liveReads(services.dataSource).starts.load(
      `${teamId.toLowerCase()}:${subscriber.userId}`,
    );
    if (!start?.role) throw start?.held ? heldForTwoFactor() : forbidden();
    if (afterSeq == null) feed.startAt(teamId, start.lastSeq, false);
    else feed.startAt(teamId, afterSeq, afterSeq < start.lastSeq);
    return feed.started();
  } catch (error) {
    feed.close();
    throw error;
  }
}

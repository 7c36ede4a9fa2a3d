import { badInput, forbidden, heldForTwoFactor } from '../errors/errors';
import { isUuid } from '../validation/ids';
import { LiveActivityFeed, type LiveActivityFeedOptions } from './live-activity-feed';
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
    // The role and the team's last seq in one statement, batched with every other role read
    // (loaders and feeds) of this turn.
    const start = await services.loaderSources.batches.roleAndTeamOf(
      subscriber.userId,
      teamId.toLowerCase(),
    );
    if (!start?.role || start.held) throw start?.held ? heldForTwoFactor() : forbidden();
    const lastSeq = start.team.lastSeq;
    // The membership stood at lastSeq: from there rows are owed up to the one ending it.
    if (afterSeq == null) feed.startAt(teamId, lastSeq, false);
    else feed.startAt(teamId, afterSeq, afterSeq < lastSeq, lastSeq);
    return feed.started();
  } catch (error) {
    feed.close();
    throw error;
  }
}

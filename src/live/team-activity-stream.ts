import { Team } from '../../entities/team.entity';
import type { Context } from '../context/context';
import { badInput, forbidden, heldForTwoFactor, unauthenticated } from '../errors/errors';
import { createLoaders } from '../loaders/loaders';
import { isUuid } from '../validation/ids';
import { LiveActivityFeed } from './live-activity-feed';

/**
 * `teamActivity(teamId, afterSeq)`: authorizes where the subscription starts (the permission
 * map does not guard this step), then replays stored rows after `afterSeq` and goes live.
 * The team's channel is listened to before membership and rows are read, so a removal or a
 * commit in between is not missed. A non-member gets FORBIDDEN and no listener is left.
 */
export async function openTeamActivityStream(
  context: Context,
  teamId: string,
  afterSeq: number | null | undefined,
): Promise<LiveActivityFeed> {
  const viewer = context.viewer;
  if (!viewer) throw unauthenticated();
  if (afterSeq != null && afterSeq < 0) throw badInput('afterSeq', 'afterSeq must be 0 or more.');
  if (!isUuid(teamId)) throw forbidden();
  const { services } = context;
  const feed = new LiveActivityFeed({
    services,
    context,
    viewerId: viewer.user.id,
    onAccessLost: 'end',
    followJoins: false,
  });
  try {
    await feed.follow(teamId, 0, false);
    context.loaders = createLoaders(services.dataSource, viewer.user.id);
    if (!(await context.loaders.viewerRole.load(teamId))) {
      throw (await context.loaders.heldForTwoFactor.load(teamId))
        ? heldForTwoFactor()
        : forbidden();
    }
    const team = await services.dataSource
      .getRepository(Team)
      .findOne({ where: { id: teamId }, select: { id: true, lastSeq: true } });
    if (!team) throw forbidden();
    if (afterSeq == null) feed.startAt(teamId, team.lastSeq, false);
    else feed.startAt(teamId, afterSeq, afterSeq < team.lastSeq);
    return feed.started();
  } catch (error) {
    feed.close();
    throw error;
  }
}

import { LiveActivityFeed, type LiveActivityFeedOptions } from './live-activity-feed';
import type { LiveSubscriber } from './live-subscriber';

/**
 * `myActivity`: the activity of every team I am in, live. Listens on my own channel first
 * (joins and removals), then on each team's; a team joined later is followed from the first
 * activity recorded since joining, a team left is dropped without ending the feed.
 */
export async function openMyActivityStream(
  services: LiveActivityFeedOptions['services'],
  subscriber: LiveSubscriber,
): Promise<LiveActivityFeed> {
  const feed = new LiveActivityFeed({
    services,
    subscriber,
    onAccessLost: 'drop',
    followJoins: true,
  });
  try {
    await feed.listenToViewer();
    const teamIds = await services.dataSource.query<{ team_id: string }[]>(
      `SELECT team_id FROM memberships WHERE user_id = $1`,
      [subscriber.userId],
    );
    await Promise.all(teamIds.map(({ team_id }) => feed.follow(team_id, 0, false)));
    // Read after listening: everything newer than this arrives as a live event. Read with the
    // membership, which stood at that seq (rows are owed from there up to the one ending it);
    // a team left in between is not followed.
    const heads = await services.dataSource.query<{ id: string; last_seq: number }[]>(
      `SELECT t.id, t.last_seq FROM teams t
         JOIN memberships m ON m.team_id = t.id AND m.user_id = $2
        WHERE t.id = ANY($1::uuid[])`,
      [teamIds.map((t) => t.team_id), subscriber.userId],
    );
    const stillIn = new Set(heads.map((head) => head.id));
    for (const { team_id } of teamIds) if (!stillIn.has(team_id)) feed.unfollow(team_id);
    for (const head of heads) feed.startAt(head.id, head.last_seq, false);
    return feed.started();
  } catch (error) {
    feed.close();
    throw error;
  }
}

import { buildTeam } from '../factories/team.factory';
import type { TestUser } from '../factories/user.factory';
import type { TestApp } from './test-app';
import type { Feed } from './ws-client';

/**
 * The sentinel that ends a negative check on `user`'s myActivity feed: they create a team of
 * their own, whose TEAM_CREATED they are entitled to. Resolves with that team once it arrived;
 * anything the feed must not carry, caused before, would have arrived before it.
 */
export async function ownTeamArrived(app: TestApp, user: TestUser, mine: Feed) {
  const team = await buildTeam(app, user, 'Sentinel');
  await mine.untilValue<{ team: { id: string } }>(
    'myActivity',
    (activity) => activity.team.id === team.id,
    'the sentinel team',
  );
  return team;
}

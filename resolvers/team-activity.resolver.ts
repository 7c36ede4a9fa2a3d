import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { Team } from '../entities/team.entity';
import { activityCursor, type ActivityFilterArgs } from '../src/activity/activity-feed';
import type { Context } from './context';
import { connectionOf } from './types/connection-of';
import { forbidden } from '../src/errors/errors';
import { ActivityConnection } from './types/activity-connection.type';
import { ActivityFilter } from './types/activity-filter.input';
import { requireViewer } from './viewer';

/** The services these resolvers call. */
type Uses = 'activityFeed' | 'readState';

/** ActivityConnection as resolved: team and filter are kept so totalCount is counted only when asked. */
type ActivityConnectionOf = ActivityConnection & {
  teamId: string;
  filter: ActivityFilterArgs | null;
};

@Resolver(() => Team)
export class TeamActivityResolver {
  @FieldResolver(() => ActivityConnection, {
    description:
      'The activity log, newest first; first 1..100 (default 20). Pass endCursor as `after` for older rows.',
  })
  async activity(
    @Root() team: Team,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => ActivityFilter, { nullable: true }) filter: ActivityFilter | null,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Omit<ActivityConnectionOf, 'totalCount'>> {
    const page = await ctx.services.activityFeed.page(team.id, first, after, filter);
    return {
      teamId: team.id,
      filter: filter ?? null,
      ...connectionOf(page, (node) => activityCursor(node.seq)),
    };
  }

  @FieldResolver(() => Int, {
    description: 'Activity after my read position that others performed.',
  })
  unreadCount(@Root() team: Team, @Ctx() ctx: Context<Uses>): Promise<number> {
    return ctx.loaders.unreadCount.load(team.id);
  }

  @Mutation(() => Team, {
    description:
      'Moves my read position forward to upToSeq (clamped to the last seq; never back) and tells my other sessions. Read state is mine, not team data: no activity is recorded.',
  })
  async markActivityRead(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('upToSeq', () => Int) upToSeq: number,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Team> {
    await ctx.services.readState.markRead(requireViewer(ctx), teamId, upToSeq);
    // The returned Team's lastReadSeq and unreadCount must show the new position.
    ctx.loaders.members.clear(teamId);
    ctx.loaders.unreadCount.clear(teamId);
    ctx.loaders.team.clear(teamId);
    const team = await ctx.loaders.team.load(teamId);
    if (!team) throw forbidden();
    return team;
  }
}

@Resolver(() => ActivityConnection)
export class ActivityConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: ActivityConnectionOf, @Ctx() ctx: Context<Uses>): Promise<number> {
    return ctx.services.activityFeed.count(connection.teamId, connection.filter);
  }
}

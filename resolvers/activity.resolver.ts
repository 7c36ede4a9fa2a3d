import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { Activity } from '../entities/activity.entity';
import { Team } from '../entities/team.entity';
import { User } from '../entities/user.entity';
import type { DeliveredActivity } from '../src/live/owed-row';
import type { Context } from './context';
import { ActivityLogVerification } from './types/activity-log-verification.type';
import { requireViewer } from './viewer';

/** The service these resolvers call. */
type Uses = 'activityLog';

@Resolver(() => Activity)
export class ActivityResolver {
  @Query(() => ActivityLogVerification, {
    description:
      "Members: recomputes the team's hash chain and reports the first altered or missing seq.",
  })
  verifyActivityLog(
    @Arg('teamId', () => ID) teamId: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<ActivityLogVerification> {
    return ctx.services.activityLog.verify(requireViewer(ctx).user, teamId);
  }

  @FieldResolver(() => Team)
  async team(@Root() activity: DeliveredActivity, @Ctx() ctx: Context<Uses>): Promise<Team> {
    const team = (await ctx.loaders.team.load(activity.teamId)) ?? activity.teamSnapshot;
    if (!team) throw new Error(`team ${activity.teamId} of an activity vanished`);
    return team;
  }

  @FieldResolver(() => User, { nullable: true, description: 'Null for operator actions.' })
  actor(@Root() activity: Activity, @Ctx() ctx: Context<Uses>): Promise<User | null> | null {
    return activity.actorId ? ctx.loaders.user.load(activity.actorId) : null;
  }
}

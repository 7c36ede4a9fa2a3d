import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Membership } from '../entities/membership.entity';
import { Team } from '../entities/team.entity';
import { User } from '../entities/user.entity';
import type { Context } from './context';

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => Team)
  async team(@Root() membership: Membership, @Ctx() ctx: Context<never>): Promise<Team> {
    const team = await ctx.loaders.team.load(membership.teamId);
    if (!team) throw new Error(`team ${membership.teamId} of a membership vanished`);
    return team;
  }

  @FieldResolver(() => User)
  async user(@Root() membership: Membership, @Ctx() ctx: Context<never>): Promise<User> {
    const user = await ctx.loaders.user.load(membership.userId);
    if (!user) throw new Error(`user ${membership.userId} of a membership vanished`);
    return user;
  }
}

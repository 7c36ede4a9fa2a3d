import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Membership } from '../entities/membership.entity';
import { Team } from '../entities/team.entity';
import type { Context } from './context';
import { canManageTeam } from '../src/teams/team-policy';
import { requireViewer } from './viewer';

/** The service these resolvers call. */
type Uses = 'twoFactorRequirement';

/** The team's two-factor policy and who meets it. */
@Resolver(() => Membership)
export class TeamTwoFactorResolver {
  @Mutation(() => Team, {
    description:
      'OWNER with two-factor on. While required, members without two-factor are held out (FORBIDDEN, reason TWO_FACTOR_REQUIRED), not removed.',
  })
  setTwoFactorRequired(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('required') required: boolean,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Team> {
    return ctx.services.twoFactorRequirement.set(requireViewer(ctx).user, teamId, required);
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description:
      'Whether the member has two-factor on. Visible to the OWNER and ADMINs; null for others.',
  })
  async twoFactorEnabled(
    @Root() membership: Membership,
    @Ctx() ctx: Context<Uses>,
  ): Promise<boolean | null> {
    if (!canManageTeam(await ctx.loaders.viewerRole.load(membership.teamId))) return null;
    const user = await ctx.loaders.user.load(membership.userId);
    return user ? user.twoFactorEnabledAt !== null : null;
  }
}

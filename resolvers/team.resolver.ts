import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Membership } from '../entities/membership.entity';
import { Role } from '../entities/role.enum';
import { Team } from '../entities/team.entity';
import type { Context } from './context';
import { forbidden } from '../src/errors/errors';
import { PLAIN_LIST_REMOVAL } from './team-invitations.resolver';
import { CreateTeamInput } from './types/create-team.input';
import { requireViewer } from './viewer';

/** The service these resolvers call. */
type Uses = 'teams';

@Resolver(() => Team)
export class TeamResolver {
  @Query(() => Team, {
    description: 'A team I am a member of. FORBIDDEN otherwise, or when it does not exist.',
  })
  async team(@Arg('id', () => ID) id: string, @Ctx() ctx: Context<Uses>): Promise<Team> {
    const team = await ctx.loaders.team.load(id);
    if (!team) throw forbidden();
    return team;
  }

  @Mutation(() => Team, { description: 'The caller becomes the OWNER.' })
  createTeam(@Arg('input') input: CreateTeamInput, @Ctx() ctx: Context<Uses>): Promise<Team> {
    return ctx.services.teams.createTeam(requireViewer(ctx).user, input.name);
  }

  @Mutation(() => Team)
  renameTeam(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('name') name: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Team> {
    return ctx.services.teams.renameTeam(requireViewer(ctx).user, teamId, name);
  }

  @Mutation(() => ID, { description: 'Deletes the team and every row of it; its live feeds end.' })
  deleteTeam(@Arg('teamId', () => ID) teamId: string, @Ctx() ctx: Context<Uses>): Promise<string> {
    return ctx.services.teams.deleteTeam(requireViewer(ctx).user, teamId);
  }

  @Mutation(() => Membership, {
    description: 'OWNER only; moves a member between ADMIN and MEMBER.',
  })
  changeMemberRole(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => Role) role: Role,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Membership> {
    return ctx.services.teams.changeMemberRole(requireViewer(ctx).user, teamId, userId, role);
  }

  @Mutation(() => Boolean)
  removeMember(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<boolean> {
    return ctx.services.teams.removeMember(requireViewer(ctx).user, teamId, userId);
  }

  @Mutation(() => Boolean)
  leaveTeam(@Arg('teamId', () => ID) teamId: string, @Ctx() ctx: Context<Uses>): Promise<boolean> {
    return ctx.services.teams.leaveTeam(requireViewer(ctx).user, teamId);
  }

  @Mutation(() => Team, { description: 'OWNER only; the old owner becomes ADMIN.' })
  transferOwnership(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Team> {
    return ctx.services.teams.transferOwnership(requireViewer(ctx).user, teamId, userId);
  }

  @FieldResolver(() => Role, { description: 'My role in this team.' })
  async myRole(@Root() team: Team, @Ctx() ctx: Context<Uses>): Promise<Role> {
    const role = await ctx.loaders.viewerRole.load(team.id);
    if (!role) throw forbidden();
    return role;
  }

  @FieldResolver(() => [Membership], {
    deprecationReason: `Use memberConnection, which pages. Removal on ${PLAIN_LIST_REMOVAL}.`,
  })
  members(@Root() team: Team, @Ctx() ctx: Context<Uses>): Promise<Membership[]> {
    return ctx.loaders.members.load(team.id);
  }

  @FieldResolver(() => Int, { description: 'My read position in the activity log.' })
  async lastReadSeq(@Root() team: Team, @Ctx() ctx: Context<Uses>): Promise<number> {
    const membership = (await ctx.loaders.members.load(team.id)).find(
      (m) => m.userId === ctx.viewer?.user.id,
    );
    return membership?.lastReadSeq ?? 0;
  }
}

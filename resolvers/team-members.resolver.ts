import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Team } from '../entities/team.entity';
import type { Context } from './context';
import { connectionOf, ownCursor } from './types/connection-of';
import { MemberConnection } from './types/member-connection.type';

/** The service these resolvers call. */
type Uses = 'memberPages';

/** MemberConnection as resolved: the team is kept so totalCount is counted only when asked. */
type MemberConnectionOf = MemberConnection & { teamId: string };

@Resolver(() => Team)
export class TeamMembersResolver {
  @FieldResolver(() => MemberConnection, {
    description: 'Members, oldest membership first; first 1..100 (default 20).',
  })
  async memberConnection(
    @Root() team: Team,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Omit<MemberConnectionOf, 'totalCount'>> {
    const page = await ctx.services.memberPages.page(team.id, first, after);
    // The page statement read the members' users too: Membership.user needs no second read.
    for (const user of page.users) ctx.loaders.user.prime(user.id, user);
    return {
      teamId: team.id,
      ...connectionOf(page, ownCursor),
    };
  }
}

@Resolver(() => MemberConnection)
export class MemberConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: MemberConnectionOf, @Ctx() ctx: Context<Uses>): Promise<number> {
    return ctx.services.memberPages.count(connection.teamId);
  }
}

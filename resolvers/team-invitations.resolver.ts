import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Invitation } from '../entities/invitation.entity';
import { InvitationStatus } from '../entities/invitation-status.enum';
import { Team } from '../entities/team.entity';
import type { Context } from './context';
import { connectionOf, ownCursor } from './types/connection-of';
import { InvitationConnection } from './types/invitation-connection.type';

/** The services these resolvers call. */
type Uses = 'invitationPages' | 'invitations';

/** The date the plain lists may be removed: 90 days and more after they were deprecated. */
export const PLAIN_LIST_REMOVAL = '2027-03-08';

/** InvitationConnection as resolved: what totalCount counts, read only when asked. */
type InvitationConnectionOf = InvitationConnection & {
  teamId: string;
  status: InvitationStatus | null;
};

@Resolver(() => Team)
export class TeamInvitationsResolver {
  @FieldResolver(() => [Invitation], {
    description: "OWNER and ADMIN only: the team's invitations, newest first.",
    deprecationReason: `Use invitationConnection, which pages. Removal on ${PLAIN_LIST_REMOVAL}.`,
  })
  invitations(
    @Root() team: Team,
    @Arg('status', () => InvitationStatus, { nullable: true }) status: InvitationStatus | null,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Invitation[]> {
    return ctx.services.invitations.listForTeam(team.id, status ?? null);
  }

  @FieldResolver(() => InvitationConnection, {
    description:
      "OWNER and ADMIN only: the team's invitations, newest first; first 1..100 (default 20).",
  })
  async invitationConnection(
    @Root() team: Team,
    @Arg('status', () => InvitationStatus, { nullable: true }) status: InvitationStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Omit<InvitationConnectionOf, 'totalCount'>> {
    const page = await ctx.services.invitationPages.page(team.id, status ?? null, first, after);
    return {
      teamId: team.id,
      status: status ?? null,
      ...connectionOf(page, ownCursor),
    };
  }
}

@Resolver(() => InvitationConnection)
export class InvitationConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(
    @Root() connection: InvitationConnectionOf,
    @Ctx() ctx: Context<Uses>,
  ): Promise<number> {
    return ctx.services.invitationPages.count(connection.teamId, connection.status);
  }
}

import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Invitation } from '../entities/invitation.entity';
import { InvitationStatus } from '../entities/invitation-status.enum';
import { Team } from '../entities/team.entity';
import type { Context } from './context';

@Resolver(() => Team)
export class TeamInvitationsResolver {
  @FieldResolver(() => [Invitation], {
    description: "OWNER and ADMIN only: the team's invitations, newest first.",
  })
  invitations(
    @Root() team: Team,
    @Arg('status', () => InvitationStatus, { nullable: true }) status: InvitationStatus | null,
    @Ctx() ctx: Context,
  ): Promise<Invitation[]> {
    return ctx.services.invitations.listForTeam(team.id, status ?? null);
  }
}

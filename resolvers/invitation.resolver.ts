import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Invitation } from '../entities/invitation.entity';
import { InvitationStatus } from '../entities/invitation-status.enum';
import { Membership } from '../entities/membership.entity';
import { Role } from '../entities/role.enum';
import { Team } from '../entities/team.entity';
import { User } from '../entities/user.entity';
import type { Context } from './context';
import { effectiveStatus } from '../src/invitations/invitation-status';
import { InvitationPreview } from './types/invitation-preview.type';
import { InvitationWithToken } from './types/invitation-with-token.type';
import { requireViewer } from './viewer';

/** The service these resolvers call. */
type Uses = 'invitations';

@Resolver(() => Invitation)
export class InvitationResolver {
  @Mutation(() => InvitationWithToken, {
    description:
      'OWNER invites as ADMIN or MEMBER; ADMIN invites as MEMBER; nobody invites as OWNER.',
  })
  inviteMember(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('email') email: string,
    @Arg('role', () => Role, { defaultValue: Role.MEMBER }) role: Role,
    @Ctx() ctx: Context<Uses>,
  ): Promise<InvitationWithToken> {
    return ctx.services.invitations.invite(requireViewer(ctx).user, teamId, email, role);
  }

  @Mutation(() => InvitationWithToken, {
    description: 'A new token and expiry; the old token stops working.',
  })
  resendInvitation(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<InvitationWithToken> {
    return ctx.services.invitations.resend(requireViewer(ctx).user, id);
  }

  @Mutation(() => Invitation)
  revokeInvitation(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Invitation> {
    return ctx.services.invitations.revoke(requireViewer(ctx).user, id);
  }

  @Mutation(() => Membership, {
    description: "Only for the signed-in user whose e-mail is the invitation's; single use.",
  })
  acceptInvitation(@Arg('token') token: string, @Ctx() ctx: Context<Uses>): Promise<Membership> {
    return ctx.services.invitations.accept(requireViewer(ctx).user, token, ctx.ip);
  }

  @Mutation(() => Boolean, {
    description: "Only for the signed-in user whose e-mail is the invitation's.",
  })
  declineInvitation(@Arg('token') token: string, @Ctx() ctx: Context<Uses>): Promise<boolean> {
    return ctx.services.invitations.decline(requireViewer(ctx).user, token, ctx.ip);
  }

  @Mutation(() => Membership, {
    description:
      "Accepts one of `myInvitations` by its id: for the signed-in user whose verified e-mail is the invitation's.",
  })
  acceptMyInvitation(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Membership> {
    return ctx.services.invitations.acceptMine(requireViewer(ctx).user, id, ctx.ip);
  }

  @Mutation(() => Boolean, {
    description:
      "Declines one of `myInvitations` by its id: for the signed-in user whose verified e-mail is the invitation's.",
  })
  declineMyInvitation(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<boolean> {
    return ctx.services.invitations.declineMine(requireViewer(ctx).user, id, ctx.ip);
  }

  @Query(() => InvitationPreview, {
    nullable: true,
    description:
      'Team name, inviter and role of an open invitation; null for a bad, used or expired token.',
  })
  invitationPreview(
    @Arg('token') token: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<InvitationPreview | null> {
    return ctx.services.invitations.preview(token, ctx.ip);
  }

  @Query(() => [Invitation], { description: 'Pending invitations addressed to my e-mail.' })
  myInvitations(@Ctx() ctx: Context<Uses>): Promise<Invitation[]> {
    return ctx.services.invitations.listForUser(requireViewer(ctx).user);
  }

  @FieldResolver(() => InvitationStatus, {
    description: 'EXPIRED when still pending past expiresAt.',
  })
  status(@Root() invitation: Invitation): InvitationStatus {
    return effectiveStatus(invitation);
  }

  @FieldResolver(() => Team, { description: 'Members only; the invitee reads `teamName` instead.' })
  async team(@Root() invitation: Invitation, @Ctx() ctx: Context<Uses>): Promise<Team> {
    const team = await ctx.loaders.team.load(invitation.teamId);
    if (!team) throw new Error(`team ${invitation.teamId} of an invitation vanished`);
    return team;
  }

  @FieldResolver(() => String, {
    description: 'The name of the team, also visible to the invitee.',
  })
  async teamName(@Root() invitation: Invitation, @Ctx() ctx: Context<Uses>): Promise<string> {
    const team = await ctx.loaders.team.load(invitation.teamId);
    if (!team) throw new Error(`team ${invitation.teamId} of an invitation vanished`);
    return team.name;
  }

  @FieldResolver(() => User)
  async invitedBy(@Root() invitation: Invitation, @Ctx() ctx: Context<Uses>): Promise<User> {
    const user = await ctx.loaders.user.load(invitation.invitedById);
    if (!user) throw new Error(`inviter ${invitation.invitedById} of an invitation vanished`);
    return user;
  }
}

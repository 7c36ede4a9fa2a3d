import type { NonEmptyArray } from 'type-graphql';
import { AccountRecoveryResolver } from './account-recovery.resolver';
import { AccountResolver } from './account.resolver';
import { ActivityLeafResolver, ActivityProofResolver } from './activity-proof.resolver';
import { ActivityResolver } from './activity.resolver';
import { InvitationResolver } from './invitation.resolver';
import { ItemResolver } from './item.resolver';
import { LiveResolver } from './live.resolver';
import { MembershipResolver } from './membership.resolver';
import { RateLimitResolver } from './rate-limit.resolver';
import { NodeResolver } from './node.resolver';
import { SessionResolver } from './session.resolver';
import { ActivityConnectionResolver, TeamActivityResolver } from './team-activity.resolver';
import { InvitationConnectionResolver, TeamInvitationsResolver } from './team-invitations.resolver';
import { ItemConnectionResolver, TeamItemsResolver } from './team-items.resolver';
import { MemberConnectionResolver, TeamMembersResolver } from './team-members.resolver';
import { TeamTwoFactorResolver } from './team-two-factor.resolver';
import { TeamResolver } from './team.resolver';
import { UserResolver } from './user.resolver';

/** Every resolver class; a new domain's resolver is added here. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- type-graphql's own parameter type
export const resolvers: NonEmptyArray<Function> = [
  AccountResolver,
  AccountRecoveryResolver,
  TeamTwoFactorResolver,
  UserResolver,
  SessionResolver,
  TeamResolver,
  MembershipResolver,
  ActivityResolver,
  ActivityLeafResolver,
  ActivityProofResolver,
  InvitationResolver,
  TeamInvitationsResolver,
  InvitationConnectionResolver,
  TeamMembersResolver,
  MemberConnectionResolver,
  ItemResolver,
  TeamItemsResolver,
  ItemConnectionResolver,
  TeamActivityResolver,
  ActivityConnectionResolver,
  LiveResolver,
  RateLimitResolver,
  NodeResolver,
];

import { Field, Int, ObjectType } from 'type-graphql';
import { Invitation } from '../../entities/invitation.entity';
import { PageInfo } from './page-info.type';

@ObjectType()
export class InvitationEdge {
  @Field()
  cursor: string;

  @Field(() => Invitation)
  node: Invitation;
}

@ObjectType({ description: "A page of a team's invitations, newest first." })
export class InvitationConnection {
  @Field(() => [InvitationEdge])
  edges: InvitationEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  @Field(() => Int, { description: 'All invitations matching the status, not just this page.' })
  totalCount: number;
}

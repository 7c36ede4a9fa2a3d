import { Field, Int, ObjectType } from 'type-graphql';
import { Membership } from '../../entities/membership.entity';
import { PageInfo } from './page-info.type';

@ObjectType()
export class MemberEdge {
  @Field()
  cursor: string;

  @Field(() => Membership)
  node: Membership;
}

@ObjectType({ description: "A page of a team's members, oldest membership first." })
export class MemberConnection {
  @Field(() => [MemberEdge])
  edges: MemberEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  @Field(() => Int, { description: 'All members of the team, not just this page.' })
  totalCount: number;
}

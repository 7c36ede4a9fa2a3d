import { Field, Int, ObjectType } from 'type-graphql';
import { Activity } from '../../entities/activity.entity';
import { PageInfo } from './page-info.type';

@ObjectType()
export class ActivityEdge {
  @Field()
  cursor: string;

  @Field(() => Activity)
  node: Activity;
}

@ObjectType({ description: "A page of a team's activity, newest first." })
export class ActivityConnection {
  @Field(() => [ActivityEdge])
  edges: ActivityEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  @Field(() => Int, { description: 'All activity matching the filter, not just this page.' })
  totalCount: number;
}

import { Field, Int, ObjectType } from 'type-graphql';
import { Item } from '../../entities/item.entity';
import { PageInfo } from './page-info.type';

@ObjectType()
export class ItemEdge {
  @Field()
  cursor: string;

  @Field(() => Item)
  node: Item;
}

@ObjectType({ description: "A page of a team's items, oldest first." })
export class ItemConnection {
  @Field(() => [ItemEdge])
  edges: ItemEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  @Field(() => Int, { description: 'All items of the team, not just this page.' })
  totalCount: number;
}

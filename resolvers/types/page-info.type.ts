import { Field, ObjectType } from 'type-graphql';

@ObjectType({
  description: 'Relay page information: is there more after this page, and where to continue.',
})
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Pass as `after` to get the next page; null when empty.',
  })
  endCursor: string | null;
}

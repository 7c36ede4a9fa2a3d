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

  // Relay's @connection requires both fields below, though these connections page forward only.
  @Field({
    description:
      'Always false: the connections page forward only (`first`/`after`), for which the Relay connection spec allows false.',
  })
  hasPreviousPage: boolean;

  @Field(() => String, {
    nullable: true,
    description: "The first edge's cursor; null when empty.",
  })
  startCursor: string | null;
}

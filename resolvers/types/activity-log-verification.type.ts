import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: "The result of recomputing a team's activity hash chain." })
export class ActivityLogVerification {
  @Field({ description: 'True when every row hashes to its stored hash and no row is missing.' })
  intact: boolean;

  @Field(() => Int, { description: 'Rows checked (up to and including the first broken one).' })
  checkedCount: number;

  @Field(() => Int, {
    nullable: true,
    description: 'The first seq that is altered or missing; null when intact.',
  })
  firstBrokenSeq: number | null;
}

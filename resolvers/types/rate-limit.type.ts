import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description:
    "The caller's budget of cost points over time (the signed-in user's, else the address's), after this operation.",
})
export class RateLimit {
  @Field(() => Int, { description: 'Cost points per window (an hour).' })
  limit: number;

  @Field(() => Int, { description: 'What this operation cost (at least 1).' })
  cost: number;

  @Field(() => Int, { description: 'Cost points left in this window.' })
  remaining: number;

  @Field({ description: 'When the window ends and the whole budget is back.' })
  resetAt: Date;
}

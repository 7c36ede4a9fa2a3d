import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, InputType } from 'type-graphql';

@InputType({ description: 'The fields to change; omitted fields keep their value.' })
export class UpdateItemInput {
  @Field(() => String, { nullable: true, description: '1..200 characters.' })
  title?: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Replaces the whole content; at most 64 KiB.',
  })
  content?: Record<string, unknown> | null;
}

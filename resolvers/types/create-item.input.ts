import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, InputType } from 'type-graphql';

@InputType()
export class CreateItemInput {
  @Field({ description: '1..200 characters.' })
  title: string;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'A JSON object of at most 64 KiB; {} when omitted.',
  })
  content?: Record<string, unknown> | null;
}

import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('AccountEvent', {
  description: 'Something that happened to my own account, pushed to all of my sessions.',
})
export class AccountEventType {
  @Field({ description: 'e.g. NEW_SIGN_IN, PASSWORD_CHANGED, SESSION_REVOKED, PROFILE_UPDATED.' })
  type: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The session that caused it, so a client can tell "this device" from others.',
  })
  sessionId: string | null;

  @Field(() => GraphQLJSONObject)
  details: Record<string, unknown>;

  @Field()
  createdAt: Date;
}

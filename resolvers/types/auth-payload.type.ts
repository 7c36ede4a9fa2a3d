import { Field, ObjectType } from 'type-graphql';
import { User } from '../../entities/user.entity';

@ObjectType({
  description:
    'A new session. The token is shown once; send it as "Authorization: Bearer <token>".',
})
export class AuthPayload {
  @Field()
  token: string;

  @Field()
  expiresAt: Date;

  @Field(() => User)
  user: User;
}

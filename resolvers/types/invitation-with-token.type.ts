import { Field, ObjectType } from 'type-graphql';
import { Invitation } from '../../entities/invitation.entity';

@ObjectType({
  description:
    'A new or resent invitation. The token is shown once (for a "copy invite link" button); only its hash is stored.',
})
export class InvitationWithToken {
  @Field(() => Invitation)
  invitation: Invitation;

  @Field()
  token: string;
}

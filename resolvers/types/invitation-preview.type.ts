import { Field, ObjectType } from 'type-graphql';
import { Role } from '../../entities/role.enum';

@ObjectType({ description: 'What an invitation link shows before anyone signs in.' })
export class InvitationPreview {
  @Field()
  teamName: string;

  @Field()
  inviterName: string;

  @Field(() => Role)
  role: Role;

  @Field()
  expiresAt: Date;
}

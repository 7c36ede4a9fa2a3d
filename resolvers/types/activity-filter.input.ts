import { Field, ID, InputType } from 'type-graphql';
import { ActivityAction } from '../../entities/activity-action.enum';

@InputType({ description: 'Narrows the activity feed; every given condition must hold.' })
export class ActivityFilter {
  @Field(() => [ActivityAction], { nullable: true, description: 'Any of these actions.' })
  actions?: ActivityAction[] | null;

  @Field(() => ID, { nullable: true, description: 'Performed by this user.' })
  actorId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'About this subject (an item, a user, the team).',
  })
  subjectId?: string | null;
}

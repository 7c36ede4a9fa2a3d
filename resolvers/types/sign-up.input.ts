import { Field, InputType } from 'type-graphql';

@InputType()
export class SignUpInput {
  @Field({ description: 'Trimmed and lower-cased; must be unique.' })
  email: string;

  @Field({
    description: 'At least 10 characters, hard to guess, not containing your e-mail or name.',
  })
  password: string;

  @Field()
  displayName: string;
}

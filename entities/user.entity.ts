import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@ObjectType({
  description: 'A person. Visible only to themself and to people who share a team with them.',
})
@Entity({ name: 'users' })
export class User {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Normalised (trimmed, lower-case) e-mail address. Null unless you are this user or share a team with them now.',
  })
  @Column({ type: 'text', unique: true })
  email: string;

  @Field()
  @Column({ name: 'display_name', type: 'text' })
  displayName: string;

  /** argon2id hash; never exposed. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Field(() => Date, {
    nullable: true,
    description: 'Null unless you are this user or share a team with them now.',
  })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Role } from './role.enum';

@ObjectType({ description: "A user's place in a team." })
@Entity({ name: 'memberships' })
export class Membership {
  @PrimaryColumn({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Index()
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Field(() => Role)
  @Column({ type: 'text' })
  role: Role;

  @Field()
  @Column({ name: 'joined_at', type: 'timestamptz' })
  joinedAt: Date;

  /** The member's read position in the team's activity (notifications). */
  @Column({ name: 'last_read_seq', type: 'integer', default: 0 })
  lastReadSeq: number;
}

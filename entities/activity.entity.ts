import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ActivityAction } from './activity-action.enum';
import { ActivitySubjectType } from './activity-subject-type.enum';
import { Node } from './node.interface';

/**
 * The one definition of an activity's shape: the event, the hash chain's input and the
 * recording input are derived from it (src/events/domain-events.ts, src/activity/).
 */
@ObjectType({
  implements: Node,
  description: 'One recorded action on team data. Seqs are per team, gapless and hash-chained.',
})
@Entity({ name: 'activities' })
@Index('activities_team_seq_key', ['teamId', 'seq'], { unique: true })
export class Activity {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Field(() => Int)
  @Column({ type: 'integer' })
  seq: number;

  /** Null only for operator actions (e.g. TEAM_RESTORED). */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Field(() => ActivityAction)
  @Column({ type: 'text' })
  action: ActivityAction;

  @Field(() => ActivitySubjectType)
  @Column({ name: 'subject_type', type: 'text' })
  subjectType: ActivitySubjectType;

  @Field(() => ID)
  @Column({ name: 'subject_id', type: 'uuid' })
  subjectId: string;

  @Field()
  @Column({ type: 'text' })
  summary: string;

  /** Random salt of the summary's sealed digest; removed when the summary is erased. */
  @Column({ name: 'summary_salt', type: 'text', nullable: true })
  summarySalt: string | null;

  /** SHA-256(salt, summary): what the hash chain seals in place of the summary text. */
  @Field(() => String, {
    nullable: true,
    description: 'What the hash chain seals in place of the summary (null on older rows).',
  })
  @Column({ name: 'summary_digest', type: 'text', nullable: true })
  summaryDigest: string | null;

  @Field(() => GraphQLJSONObject)
  @Column({ type: 'jsonb', default: {} })
  details: Record<string, unknown>;

  @Field()
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'SHA-256 (hex) of the previous row hash and this row, chaining the log.' })
  @Column({ type: 'text' })
  hash: string;
}

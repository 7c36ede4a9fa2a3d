import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from './node.interface';

@ObjectType({
  implements: Node,
  description: 'A team: its members, its items and the log of everything done to them.',
})
@Entity({ name: 'teams' })
export class Team {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Column({ type: 'text' })
  name: string;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'While true, members without two-factor are held out of the team.' })
  @Column({ name: 'two_factor_required', type: 'boolean', default: false })
  twoFactorRequired: boolean;

  /** Seq of the newest activity row; advanced under this row's lock so seqs are gapless. */
  @Column({ name: 'last_seq', type: 'integer', default: 0 })
  lastSeq: number;

  /** Hash of the newest activity row: the head of the tamper-evident chain. */
  @Column({ name: 'last_hash', type: 'text', default: '' })
  lastHash: string;
}

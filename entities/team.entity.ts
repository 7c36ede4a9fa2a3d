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

  /**
   * The right edge of the team's Merkle tree (src/util/rfc9162.ts, Frontier): by level, the
   * complete subtree that the size's binary form has there. Moves with lastSeq, in the same
   * statement, so an append reads nothing.
   */
  @Column({ name: 'tree_frontier', type: 'bytea', array: true, default: () => "'{}'" })
  treeFrontier: (Buffer | null)[];

  /** Tree size of the newest checkpoint a write made (0: none yet); sets the cadence. */
  @Column({ name: 'checkpoint_size', type: 'integer', default: 0 })
  checkpointSize: number;

  /** When that checkpoint was signed. */
  @Column({ name: 'checkpoint_at', type: 'timestamptz', nullable: true })
  checkpointAt: Date | null;
}

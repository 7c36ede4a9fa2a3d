import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A signed statement of a team's Merkle tree at one size (API.md, "A log members can check
 * without trusting the server"). Written once per size; two instances signing the same size
 * keep the first.
 */
@ObjectType('Checkpoint', {
  description:
    "The root of a team's activity Merkle tree at one size, signed with the operator's Ed25519 key.",
})
@Entity({ name: 'activity_checkpoints' })
export class ActivityCheckpoint {
  @Field(() => ID, { description: 'Lower-case UUID.' })
  @PrimaryColumn({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Field(() => Int, { description: 'Leaves covered: the seq of the last row included.' })
  @PrimaryColumn({ name: 'tree_size', type: 'integer' })
  treeSize: number;

  @Field({ description: 'RFC 9162 root hash (MTH) of the first treeSize rows, base64.' })
  @Column({ name: 'root_hash', type: 'text' })
  rootHash: string;

  @Field({ description: 'When it was signed; part of the signed message, to the millisecond.' })
  @Column({ name: 'signed_at', type: 'timestamptz' })
  timestamp: Date;

  @Field({ description: 'The signing key, as listed by signingKeys.' })
  @Column({ name: 'key_id', type: 'text' })
  keyId: string;

  @Field({
    description:
      'Ed25519 signature (base64) of "teamgraph-checkpoint/v1\\n<teamId>\\n<treeSize>\\n<rootHash>\\n<timestamp>".',
  })
  @Column({ type: 'text' })
  signature: string;
}

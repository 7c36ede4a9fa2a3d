import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A public key that signs (or signed) checkpoints, and when its signatures count. */
@ObjectType('SigningKey', {
  description: 'A public key that signs (or signed) activity checkpoints; clients pin these.',
})
@Entity({ name: 'checkpoint_signing_keys' })
export class CheckpointSigningKey {
  @Field()
  @PrimaryColumn({ name: 'key_id', type: 'text' })
  keyId: string;

  @Field({ description: 'Ed25519 public key: the raw 32 bytes, base64.' })
  @Column({ name: 'public_key', type: 'text' })
  publicKey: string;

  @Field({ description: 'Checkpoints signed from this time on verify under this key...' })
  @Column({ name: 'valid_from', type: 'timestamptz' })
  validFrom: Date;

  @Field(() => Date, {
    nullable: true,
    description: '...until this time; null while the key still signs.',
  })
  @Column({ name: 'valid_until', type: 'timestamptz', nullable: true })
  validUntil: Date | null;
}

import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { sealedSecret } from '../src/db/sealed-secrets';
import { Node } from './node.interface';

@ObjectType({
  implements: Node,
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

  /** When the address in `email` was proven to reach the user (null: not yet). */
  @Column({ name: 'email_verified_at', type: 'timestamptz', nullable: true })
  emailVerifiedAt: Date | null;

  /** Names the user went by before a rename: erased with the account, like the current one. */
  @Column({ name: 'former_display_names', type: 'text', array: true, default: () => "'{}'" })
  formerDisplayNames: string[];

  /** Base32 TOTP secret while two-factor is on; never exposed after setup; stored sealed. */
  @Column({ name: 'two_factor_secret', type: 'text', nullable: true, transformer: sealedSecret })
  twoFactorSecret: string | null;

  /** A secret handed out by beginTwoFactorSetup and not yet confirmed with a code. */
  @Column({
    name: 'two_factor_pending_secret',
    type: 'text',
    nullable: true,
    transformer: sealedSecret,
  })
  twoFactorPendingSecret: string | null;

  @Column({ name: 'two_factor_enabled_at', type: 'timestamptz', nullable: true })
  twoFactorEnabledAt: Date | null;

  /** The last TOTP time step accepted: a code is never accepted twice. */
  @Column({ name: 'two_factor_last_step', type: 'bigint', nullable: true })
  twoFactorLastStep: string | null;

  /** Set when the account was deleted; the row stays only so past references resolve. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}

import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InvitationStatus } from './invitation-status.enum';
import { Role } from './role.enum';
import { Node } from './node.interface';

@ObjectType({
  implements: Node,
  description: 'An invitation to join a team, addressed to an e-mail address.',
})
@Entity({ name: 'invitations' })
export class Invitation {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Field()
  @Index()
  @Column({ type: 'text' })
  email: string;

  @Field(() => Role)
  @Column({ type: 'text' })
  role: Role;

  /** Stored status: PENDING, ACCEPTED, DECLINED or REVOKED. EXPIRED is derived. */
  @Column({ type: 'text' })
  status: InvitationStatus;

  /** SHA-256 of the current token; replaced on resend so the old token dies. */
  @Column({ name: 'token_hash', type: 'text', unique: true })
  tokenHash: string;

  @Column({ name: 'invited_by_id', type: 'uuid' })
  invitedById: string;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field()
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'responded_at', type: 'timestamptz', nullable: true })
  respondedAt: Date | null;
}

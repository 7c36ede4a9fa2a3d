import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A two-factor recovery code, stored as its SHA-256; each works once. */
@Entity({ name: 'recovery_codes' })
@Unique('recovery_codes_user_code_key', ['userId', 'codeHash'])
export class RecoveryCode {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'code_hash', type: 'text' })
  codeHash: string;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}

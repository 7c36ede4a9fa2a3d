import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What an e-mailed account link is for. */
export enum AccountTokenPurpose {
  PASSWORD_RESET = 'PASSWORD_RESET',
  EMAIL_VERIFICATION = 'EMAIL_VERIFICATION',
  EMAIL_CHANGE = 'EMAIL_CHANGE',
  /** Sent to the old address of an e-mail change: cancels it, or undoes it once confirmed. */
  EMAIL_REVERT = 'EMAIL_REVERT',
  /** Sent with the notice that two-factor was turned on: turns that enrolment off again. */
  TWO_FACTOR_REVERT = 'TWO_FACTOR_REVERT',
}

/** An e-mailed account link: only the token's SHA-256 is stored; single use; it expires. */
@Entity({ name: 'account_tokens' })
@Index('account_tokens_user_purpose_idx', ['userId', 'purpose'])
export class AccountToken {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  purpose: AccountTokenPurpose;

  @Column({ name: 'token_hash', type: 'text', unique: true })
  tokenHash: string;

  /**
   * The address the link was sent to (EMAIL_CHANGE: the new one; EMAIL_REVERT: the old one;
   * TWO_FACTOR_REVERT: the account's address at enrolment).
   */
  @Column({ type: 'text' })
  email: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}

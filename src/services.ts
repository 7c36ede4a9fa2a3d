import type { DataSource } from 'typeorm';
import type { ActivityFeed } from './activity/activity-feed';
import type { ActivityLogVerifier } from './activity/activity-log-verifier';
import type { ActivityProofs } from './activity/activity-proofs';
import type { ReadState } from './activity/read-state';
import type { AccountDeletionService } from './accounts/account-deletion.service';
import type { AccountService } from './accounts/account.service';
import type { SessionCache } from './accounts/session-cache';
import type { EmailChangeService } from './accounts/email-change.service';
import type { EmailVerificationService } from './accounts/email-verification.service';
import type { PasswordResetService } from './accounts/password-reset.service';
import type { SessionService } from './accounts/session.service';
import type { TwoFactorService } from './accounts/two-factor.service';
import type { Config } from './config/config';
import type { EventBus } from './events/event-bus';
import type { IdempotencyStore } from './idempotency/idempotency-store';
import type { InvitationPages } from './invitations/invitation-pages';
import type { InvitationService } from './invitations/invitation.service';
import type { ItemService } from './items/item.service';
import type { AudienceHub } from './live/audience-hub';
import type { LiveReads } from './live/live-reads';
import type { LiveStreams } from './live/live-streams';
import type { LoaderSources } from './loaders/loaders';
import type { Logger } from './logging/logger';
import type { RateLimits } from './rate-limit/rate-limits';
import type { MemberPages } from './teams/member-pages';
import type { TeamService } from './teams/team.service';
import type { TwoFactorRequirementService } from './teams/two-factor-requirement.service';
import type { UserMemberships } from './teams/user-memberships';
import type { CpuPool } from './workers/cpu-pool';

/**
 * The application's long-lived parts, built once per process by the composition root
 * (src/composition-root.ts) and shared by every request. Each consumer is typed with the few
 * it uses (`Pick<Services, …>`); resolvers see only `ResolverServices` (resolvers/context.ts).
 */
export interface Services {
  config: Config;
  dataSource: DataSource;
  bus: EventBus;
  logger: Logger;
  rateLimits: RateLimits;
  sessionCache: SessionCache;
  /** Worker threads for CPU-heavy work; closed with the app. */
  cpu: CpuPool;
  /** The statements and process-wide batches every request's loaders read through. */
  loaderSources: LoaderSources;
  idempotency: IdempotencyStore;
  sessions: SessionService;
  accounts: AccountService;
  passwordReset: PasswordResetService;
  emailVerification: EmailVerificationService;
  emailChange: EmailChangeService;
  twoFactor: TwoFactorService;
  accountDeletion: AccountDeletionService;
  twoFactorRequirement: TwoFactorRequirementService;
  teams: TeamService;
  userMemberships: UserMemberships;
  invitations: InvitationService;
  memberPages: MemberPages;
  invitationPages: InvitationPages;
  items: ItemService;
  activityFeed: ActivityFeed;
  activityLog: ActivityLogVerifier;
  activityProofs: ActivityProofs;
  readState: ReadState;
  /** The live feeds' reads, batched across every feed of this instance. */
  liveReads: LiveReads;
  /** One listener per team channel for every feed of this instance. */
  audienceHub: AudienceHub;
  liveStreams: LiveStreams;
  /**
   * Stops what the root started: the session cache, the CPU workers, and the event bus when
   * the root opened it (a bus handed in stays open for its owner to close).
   */
  close(): Promise<void>;
}

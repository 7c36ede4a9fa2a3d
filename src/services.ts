import type { DataSource } from 'typeorm';
import { ActivityFeed } from './activity/activity-feed';
import { ActivityLogVerifier } from './activity/activity-log-verifier';
import { ActivityProofs } from './activity/activity-proofs';
import { ReadState } from './activity/read-state';
import { AccountDeletionService } from './accounts/account-deletion.service';
import { AccountService } from './accounts/account.service';
import { droppingOnPublish, SessionCache, type BusHealth } from './accounts/session-cache';
import { EmailChangeService } from './accounts/email-change.service';
import { EmailVerificationService } from './accounts/email-verification.service';
import { PasswordResetService } from './accounts/password-reset.service';
import { SecretChecks } from './accounts/secret-checks';
import { SessionService } from './accounts/session.service';
import { TwoFactorService } from './accounts/two-factor.service';
import type { Config } from './config/config';
import type { EventBus } from './events/event-bus';
import { InvitationPages } from './invitations/invitation-pages';
import { InvitationService } from './invitations/invitation.service';
import { ItemService } from './items/item.service';
import type { Logger } from './logging/logger';
import { AccountMail } from './mail/account-mail';
import { RecipientBudgetMailer } from './mail/mail-budget';
import { createMailer, type Mailer } from './mail/mailer';
import { configuredRules } from './rate-limit/create-rate-limits';
import { RateLimits } from './rate-limit/rate-limits';
import { MemberPages } from './teams/member-pages';
import { TeamService } from './teams/team.service';
import { TwoFactorRequirementService } from './teams/two-factor-requirement.service';
import { CpuPool } from './workers/cpu-pool';

/** Tasks that may wait per CPU worker thread before callers are asked to retry. */
const CPU_QUEUE_PER_THREAD = 32;

/** The application's long-lived parts, built once per process and shared by every request. */
export interface Services {
  config: Config;
  dataSource: DataSource;
  bus: EventBus;
  logger: Logger;
  rateLimits: RateLimits;
  sessionCache: SessionCache;
  /** Worker threads for CPU-heavy work; closed with the app. */
  cpu: CpuPool;
  sessions: SessionService;
  accounts: AccountService;
  passwordReset: PasswordResetService;
  emailVerification: EmailVerificationService;
  emailChange: EmailChangeService;
  twoFactor: TwoFactorService;
  accountDeletion: AccountDeletionService;
  twoFactorRequirement: TwoFactorRequirementService;
  teams: TeamService;
  invitations: InvitationService;
  memberPages: MemberPages;
  invitationPages: InvitationPages;
  items: ItemService;
  activityFeed: ActivityFeed;
  activityLog: ActivityLogVerifier;
  activityProofs: ActivityProofs;
  readState: ReadState;
}

export function createServices(deps: {
  config: Config;
  dataSource: DataSource;
  bus: EventBus;
  logger: Logger;
  rateLimits?: RateLimits;
  mailer?: Mailer;
  /** Whether `bus` can miss events (a broker); the session cache trusts it only while healthy. */
  busHealth?: BusHealth;
}): Services {
  const { config, dataSource, logger } = deps;
  const rateLimits =
    deps.rateLimits ?? new RateLimits(config.RATE_LIMITS, undefined, configuredRules(config));
  const sessionCache = new SessionCache(deps.bus, config.SESSION_CACHE_TTL, deps.busHealth);
  // Every service publishes through this bus, after commit: revocations reach the cache first.
  const bus = droppingOnPublish(deps.bus, sessionCache);
  const sessions = new SessionService(dataSource, config.SESSION_TTL, sessionCache);
  const cpu = new CpuPool({
    threads: config.CPU_WORKERS,
    maxQueue: CPU_QUEUE_PER_THREAD * config.CPU_WORKERS,
  });
  // The one way out for e-mail: every message passes its address's budget.
  const mailer = new RecipientBudgetMailer(
    deps.mailer ?? createMailer(config, logger),
    rateLimits,
    logger.child({ component: 'mail' }),
  );
  const publicUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  const accountMail = new AccountMail(mailer, logger.child({ component: 'accounts' }), publicUrl);
  const secrets = new SecretChecks(dataSource, rateLimits);
  const emailVerification = new EmailVerificationService(dataSource, bus, rateLimits, accountMail);
  return {
    config,
    dataSource,
    bus,
    logger,
    rateLimits,
    sessionCache,
    cpu,
    sessions,
    accounts: new AccountService(
      dataSource,
      bus,
      sessions,
      rateLimits,
      cpu,
      secrets,
      emailVerification,
      accountMail,
    ),
    passwordReset: new PasswordResetService(
      dataSource,
      bus,
      sessions,
      rateLimits,
      accountMail,
      logger.child({ component: 'accounts' }),
      cpu,
    ),
    emailVerification,
    emailChange: new EmailChangeService(
      dataSource,
      bus,
      sessions,
      rateLimits,
      secrets,
      accountMail,
    ),
    twoFactor: new TwoFactorService(dataSource, bus, sessions, rateLimits, secrets, accountMail),
    accountDeletion: new AccountDeletionService(dataSource, bus, sessions, secrets, accountMail),
    twoFactorRequirement: new TwoFactorRequirementService(dataSource, bus),
    teams: new TeamService(dataSource, bus, rateLimits),
    invitations: new InvitationService(
      dataSource,
      bus,
      rateLimits,
      mailer,
      logger.child({ component: 'invitations' }),
      { ttlMs: config.INVITATION_TTL, publicUrl },
    ),
    memberPages: new MemberPages(dataSource),
    invitationPages: new InvitationPages(dataSource),
    items: new ItemService(dataSource, bus),
    activityFeed: new ActivityFeed(dataSource),
    activityLog: new ActivityLogVerifier(dataSource, rateLimits, cpu),
    activityProofs: new ActivityProofs(dataSource),
    readState: new ReadState(dataSource, bus),
  };
}

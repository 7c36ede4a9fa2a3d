import type { DataSource } from 'typeorm';
import { ActivityFeed } from './activity/activity-feed';
import { ActivityLogVerifier } from './activity/activity-log-verifier';
import { ReadState } from './activity/read-state';
import { AccountDeletionService } from './accounts/account-deletion.service';
import { AccountService } from './accounts/account.service';
import { EmailChangeService } from './accounts/email-change.service';
import { EmailVerificationService } from './accounts/email-verification.service';
import { PasswordResetService } from './accounts/password-reset.service';
import { SecretChecks } from './accounts/secret-checks';
import { SessionService } from './accounts/session.service';
import { TwoFactorService } from './accounts/two-factor.service';
import type { Config } from './config/config';
import type { EventBus } from './events/event-bus';
import { InvitationService } from './invitations/invitation.service';
import { ItemService } from './items/item.service';
import type { Logger } from './logging/logger';
import { AccountMail } from './mail/account-mail';
import { createMailer, type Mailer } from './mail/mailer';
import { RateLimits } from './rate-limit/rate-limits';
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
  items: ItemService;
  activityFeed: ActivityFeed;
  activityLog: ActivityLogVerifier;
  readState: ReadState;
}

export function createServices(deps: {
  config: Config;
  dataSource: DataSource;
  bus: EventBus;
  logger: Logger;
  rateLimits?: RateLimits;
  mailer?: Mailer;
}): Services {
  const { config, dataSource, bus, logger } = deps;
  const rateLimits = deps.rateLimits ?? new RateLimits(config.RATE_LIMITS);
  const sessions = new SessionService(dataSource, config.SESSION_TTL);
  const cpu = new CpuPool({
    threads: config.CPU_WORKERS,
    maxQueue: CPU_QUEUE_PER_THREAD * config.CPU_WORKERS,
  });
  const mailer = deps.mailer ?? createMailer(config, logger);
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
    twoFactor: new TwoFactorService(dataSource, bus, rateLimits, secrets),
    accountDeletion: new AccountDeletionService(dataSource, bus, sessions, secrets, accountMail),
    twoFactorRequirement: new TwoFactorRequirementService(dataSource, bus),
    teams: new TeamService(dataSource, bus),
    invitations: new InvitationService(
      dataSource,
      bus,
      rateLimits,
      mailer,
      logger.child({ component: 'invitations' }),
      { ttlMs: config.INVITATION_TTL, publicUrl },
    ),
    items: new ItemService(dataSource, bus),
    activityFeed: new ActivityFeed(dataSource),
    activityLog: new ActivityLogVerifier(dataSource, rateLimits, cpu),
    readState: new ReadState(dataSource, bus),
  };
}

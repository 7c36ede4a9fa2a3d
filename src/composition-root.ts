import type { DataSource } from 'typeorm';
import { ActivityFeed } from './activity/activity-feed';
import { ActivityLogVerifier } from './activity/activity-log-verifier';
import { ActivityProofs } from './activity/activity-proofs';
import { ReadState } from './activity/read-state';
import { AccountDeletionService } from './accounts/account-deletion.service';
import { AccountService } from './accounts/account.service';
import { SessionCache, type BusHealth } from './accounts/session-cache';
import { EmailChangeService } from './accounts/email-change.service';
import { EmailVerificationService } from './accounts/email-verification.service';
import { PasswordResetService } from './accounts/password-reset.service';
import { SecretChecks } from './accounts/secret-checks';
import { SessionService } from './accounts/session.service';
import { TwoFactorService } from './accounts/two-factor.service';
import type { Config } from './config/config';
import { logPublished } from './events/app-event-log';
import { createEventBus } from './events/create-event-bus';
import type { EventBus } from './events/event-bus';
import { RedisBusHealth } from './events/redis-bus-health';
import { RedisEventBus } from './events/redis-event-bus';
import { IdempotencyStore } from './idempotency/idempotency-store';
import { InvitationPages } from './invitations/invitation-pages';
import { InvitationService } from './invitations/invitation.service';
import { ItemStatements } from './items/item-statements';
import { ItemService } from './items/item.service';
import { AudienceHub } from './live/audience-hub';
import { LiveReads } from './live/live-reads';
import { liveStreams } from './live/live-streams';
import { LoaderStatements } from './loaders/loader-statements';
import type { LoaderSources } from './loaders/loaders';
import { SharedLoaderBatches } from './loaders/shared-loader-batches';
import type { Logger } from './logging/logger';
import { AccountMail } from './mail/account-mail';
import { RecipientBudgetMailer } from './mail/mail-budget';
import { createMailer, type Mailer } from './mail/mailer';
import { countPublished } from './metrics/event-metrics';
import { configuredRules, createRateLimits } from './rate-limit/create-rate-limits';
import { RateLimits } from './rate-limit/rate-limits';
import type { RedisConnection } from './redis/redis-client';
import type { Services } from './services';
import { MemberPages } from './teams/member-pages';
import { TeamService } from './teams/team.service';
import { TwoFactorRequirementService } from './teams/two-factor-requirement.service';
import { UserMemberships } from './teams/user-memberships';
import { CpuPool } from './workers/cpu-pool';

/** Tasks that may wait per CPU worker thread before callers are asked to retry. */
const CPU_QUEUE_PER_THREAD = 32;

/**
 * The parts of one serving instance: the event bus and the limits the configuration names
 * (Redis-backed when `redis` is given), then everything `composeServices` builds. The bus is
 * the root's own: the parts' `close()` closes it.
 */
export function composeInstance(deps: {
  config: Config;
  dataSource: DataSource;
  logger: Logger;
  redis: RedisConnection | null;
}): Services {
  const { config, logger } = deps;
  const bus = createEventBus(config, logger);
  for (const observe of [countPublished, logPublished(logger)]) {
    // The health probe's events are the bus's own check, not the application's.
    bus.observePublishing((events) => observe(events.filter((e) => e.kind !== 'bus-probe')));
  }
  const busHealth = bus instanceof RedisEventBus ? new RedisBusHealth(bus) : undefined;
  return composeServices({
    config,
    dataSource: deps.dataSource,
    bus,
    async closeBus() {
      busHealth?.close();
      await bus.close();
    },
    logger,
    rateLimits: createRateLimits(config, deps.redis, logger),
    busHealth,
  });
}

/**
 * The composition root: every long-lived part, built once from the connection, the bus and
 * the configuration, each handed the narrow parts it uses. Nothing else builds them, so one
 * process (or a test's second instance) holds exactly one of each per call.
 */
export function composeServices(deps: {
  config: Config;
  dataSource: DataSource;
  bus: EventBus;
  /** Closes the bus (and its health probe) with the parts; without it, its owner closes it. */
  closeBus?: () => Promise<void>;
  logger: Logger;
  rateLimits?: RateLimits;
  mailer?: Mailer;
  /** Whether `bus` can miss events (a broker); the session cache trusts it only while healthy. */
  busHealth?: BusHealth;
}): Services {
  const { config, dataSource, logger } = deps;
  const rateLimits =
    deps.rateLimits ?? new RateLimits(config.RATE_LIMITS, undefined, configuredRules(config));
  const { bus } = deps;
  // Every service publishes on this bus after commit; revocations reach the cache first.
  const sessionCache = new SessionCache(bus, config.SESSION_CACHE_TTL, deps.busHealth);
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
  const loaderStatements = new LoaderStatements(dataSource);
  const loaderSources: LoaderSources = {
    dataSource,
    statements: loaderStatements,
    batches: new SharedLoaderBatches(dataSource, loaderStatements),
  };
  const parts = {
    config,
    dataSource,
    bus,
    logger,
    rateLimits,
    sessionCache,
    cpu,
    loaderSources,
    idempotency: new IdempotencyStore(dataSource),
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
      rateLimits,
      accountMail,
      logger.child({ component: 'accounts' }),
      cpu,
    ),
    emailVerification,
    emailChange: new EmailChangeService(dataSource, bus, rateLimits, secrets, accountMail),
    twoFactor: new TwoFactorService(dataSource, bus, rateLimits, secrets, accountMail),
    accountDeletion: new AccountDeletionService(dataSource, bus, secrets, accountMail),
    twoFactorRequirement: new TwoFactorRequirementService(dataSource, bus),
    teams: new TeamService(dataSource, bus, rateLimits),
    userMemberships: new UserMemberships(dataSource),
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
    items: new ItemService(dataSource, bus, new ItemStatements(dataSource)),
    activityFeed: new ActivityFeed(dataSource),
    activityLog: new ActivityLogVerifier(dataSource, rateLimits, cpu),
    activityProofs: new ActivityProofs(dataSource),
    readState: new ReadState(dataSource, bus),
    async close() {
      sessionCache.close();
      await deps.closeBus?.();
      await cpu.close();
    },
  };
  // One audience hub and one set of live reads per set of parts; the live feeds use both.
  const liveReads = new LiveReads(dataSource);
  const live = Object.assign(parts, {
    liveReads,
    audienceHub: new AudienceHub({ ...parts, liveReads }),
  });
  return Object.assign(live, { liveStreams: liveStreams(live) });
}

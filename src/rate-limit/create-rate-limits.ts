import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import type { RedisConnection } from '../redis/redis-client';
import { RateLimits, type LimiterFactory, type RateLimitOverrides } from './rate-limits';

/**
 * Limits shared by every instance through Redis (so N instances do not grant N times the
 * budget). If Redis is briefly unreachable an in-memory limiter keeps counting per instance.
 */
export const redisLimiterFactory =
  (client: RedisConnection): LimiterFactory =>
  (name, points, duration) =>
    new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `teamgraph:rl:${name}`,
      points,
      duration,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${name}:insurance`, points, duration }),
    });

export function createRateLimits(
  config: Config,
  redis: RedisConnection | null,
  logger: Logger,
): RateLimits {
  if (!config.RATE_LIMITS) {
    logger.warn(
      { event: 'rate_limits.disabled' },
      'RATE_LIMITS=off: log-in, sign-up, invitation and cost budgets are disabled (load tests only)',
    );
    return new RateLimits(false, undefined, configuredRules(config));
  }
  return redis
    ? new RateLimits(true, redisLimiterFactory(redis), configuredRules(config))
    : new RateLimits(true, undefined, configuredRules(config));
}

/** The budgets the configuration sets (the other limits keep their rules in code). */
export const configuredRules = (config: Config): RateLimitOverrides => ({
  emailsPerRecipient: config.EMAIL_BUDGET_PER_RECIPIENT,
  teamsPerAccount: config.TEAM_BUDGET_PER_ACCOUNT,
  invalidTokensPerIp: config.INVALID_TOKEN_BUDGET_PER_IP,
  costPerCaller: {
    points: config.COST_BUDGET_PER_HOUR,
    duration: Math.round(config.COST_BUDGET_WINDOW / 1000),
  },
});

import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { rateLimited } from '../errors/errors';

/** Named limits: points per duration (seconds). Defaults leave normal use untouched. */
export const RATE_LIMIT_RULES = {
  /** Failed password checks of an account (log-in and changePassword): a lock, not a delay. */
  logInPerAccount: { points: 10, duration: 15 * 60 },
  /** Every password check from an IP (log-in and changePassword). */
  logInPerIp: { points: 100, duration: 15 * 60 },
  signUpPerIp: { points: 50, duration: 60 * 60 },
  acceptInvitationPerUser: { points: 20, duration: 15 * 60 },
  acceptInvitationPerIp: { points: 100, duration: 15 * 60 },
  invitePerTeam: { points: 100, duration: 60 * 60 },
  /** Invitation tokens looked up without signing in. */
  invitationPreviewPerIp: { points: 100, duration: 15 * 60 },
  /** verifyActivityLog, weighted: one point per batch of rows rehashed. */
  verifyLogPerUser: { points: 100, duration: 15 * 60 },
  verifyLogPerTeam: { points: 300, duration: 15 * 60 },
  passwordResetPerIp: { points: 20, duration: 60 * 60 },
  passwordResetPerAddress: { points: 5, duration: 60 * 60 },
  /** Attempts to use an e-mailed account link (reset, verify, confirm a change). */
  accountLinkPerIp: { points: 50, duration: 15 * 60 },
  verificationEmailPerUser: { points: 5, duration: 60 * 60 },
  emailChangePerUser: { points: 5, duration: 60 * 60 },
} as const;

export type RateLimitName = keyof typeof RATE_LIMIT_RULES;

export type LimiterFactory = (
  name: RateLimitName,
  points: number,
  duration: number,
) => RateLimiterAbstract;

const memoryLimiter: LimiterFactory = (name, points, duration) =>
  new RateLimiterMemory({ keyPrefix: name, points, duration });

/** Consumes one point per attempt; throws RATE_LIMITED with retryAfterSeconds when spent. */
export class RateLimits {
  private readonly limiters = new Map<RateLimitName, RateLimiterAbstract>();

  constructor(
    private readonly enabled: boolean,
    private readonly factory: LimiterFactory = memoryLimiter,
  ) {}

  /**
   * `points` weighs an expensive attempt (e.g. one per batch of rows it reads); one attempt never
   * costs more than the whole budget, so it stays possible once per window.
   */
  async consume(name: RateLimitName, key: string, points = 1): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.limiter(name).consume(key, Math.min(points, RATE_LIMIT_RULES[name].points));
    } catch (error) {
      if (error instanceof RateLimiterRes) throw rateLimited(error.msBeforeNext / 1000);
      throw error;
    }
  }

  /** Refuses without consuming when the key has no points left (e.g. an account under attack). */
  async check(name: RateLimitName, key: string): Promise<void> {
    if (!this.enabled) return;
    const state = await this.limiter(name).get(key);
    if (state && state.consumedPoints >= RATE_LIMIT_RULES[name].points) {
      throw rateLimited(state.msBeforeNext / 1000);
    }
  }

  /** Counts a failure without throwing (the caller reports its own error). */
  async penalize(name: RateLimitName, key: string): Promise<void> {
    if (!this.enabled) return;
    await this.limiter(name).penalty(key, 1);
  }

  private limiter(name: RateLimitName): RateLimiterAbstract {
    let limiter = this.limiters.get(name);
    if (!limiter) {
      const rule = RATE_LIMIT_RULES[name];
      limiter = this.factory(name, rule.points, rule.duration);
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}

import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { BudgetSetting } from '../config/budget-config';
import { rateLimited } from '../errors/errors';
import { rateLimitRefusals } from '../metrics/budget-metrics';

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
  /** What others pay for (I11); configured by EMAIL_BUDGET_PER_RECIPIENT and the like. */
  emailsPerRecipient: { points: 10, duration: 60 * 60 },
  teamsPerAccount: { points: 20, duration: 24 * 60 * 60 },
  invalidTokensPerIp: { points: 100, duration: 15 * 60 },
  /** Cost points of the operations one caller (user, else address) runs; COST_BUDGET_PER_HOUR. */
  costPerCaller: { points: 50_000, duration: 60 * 60 },
} as const;

export type RateLimitName = keyof typeof RATE_LIMIT_RULES;

/** Rules the configuration sets instead of the defaults above. */
export type RateLimitOverrides = Partial<Record<RateLimitName, BudgetSetting>>;

/** A budget as a caller sees it (the `rateLimit` field and the X-RateLimit-* headers). */
export interface BudgetState {
  limit: number;
  used: number;
  remaining: number;
  resetAt: Date;
}

/** A charge against a budget: whether it was taken, and the budget after it. */
export interface BudgetCharge extends BudgetState {
  allowed: boolean;
  /** When refused: how long until the window ends. */
  retryAfterSeconds: number;
}

/** Keys this process remembers as spent, at most; older entries go first when it is full. */
const MAX_SPENT_KEYS = 10_000;

export type LimiterFactory = (
  name: RateLimitName,
  points: number,
  duration: number,
) => RateLimiterAbstract;

function budgetState(rule: BudgetSetting, state: RateLimiterRes | null): BudgetState {
  const used = Math.min(rule.points, Math.max(0, state?.consumedPoints ?? 0));
  const left = state && used > 0 ? state.msBeforeNext : rule.duration * 1000;
  return {
    limit: rule.points,
    used,
    remaining: rule.points - used,
    resetAt: new Date(Date.now() + Math.max(0, left)),
  };
}

const memoryLimiter: LimiterFactory = (name, points, duration) =>
  new RateLimiterMemory({ keyPrefix: name, points, duration });

/** Consumes one point per attempt; throws RATE_LIMITED with retryAfterSeconds when spent. */
export class RateLimits {
  private readonly limiters = new Map<RateLimitName, RateLimiterAbstract>();
  /** `name key` → when it frees up (ms): refused here without asking the store. */
  private readonly spent = new Map<string, number>();

  constructor(
    private readonly enabled: boolean,
    private readonly factory: LimiterFactory = memoryLimiter,
    private readonly overrides: RateLimitOverrides = {},
  ) {}

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** The rule in force for `name`: the configured one, else the default. */
  rule(name: RateLimitName): BudgetSetting {
    return this.overrides[name] ?? RATE_LIMIT_RULES[name];
  }

  /**
   * `points` weighs an expensive attempt (e.g. one per batch of rows it reads); one attempt never
   * costs more than the whole budget, so it stays possible once per window.
   */
  async consume(name: RateLimitName, key: string, points = 1): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.limiter(name).consume(key, Math.min(points, this.rule(name).points));
    } catch (error) {
      if (error instanceof RateLimiterRes) throw this.refused(name, error.msBeforeNext);
      throw error;
    }
  }

  /** Consumes one point; false (counted as a refusal) instead of throwing when spent. */
  async tryConsume(name: RateLimitName, key: string): Promise<boolean> {
    if (!this.enabled) return true;
    try {
      await this.limiter(name).consume(key, 1);
      return true;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      rateLimitRefusals.inc({ limit: name });
      return false;
    }
  }

  /**
   * Takes `points` from the key's budget (never more than the whole budget, as `consume`).
   * A refused charge takes nothing: the points are given back, so what is left stays usable
   * by a cheaper operation. Null when limits are off.
   */
  async charge(name: RateLimitName, key: string, points: number): Promise<BudgetCharge | null> {
    if (!this.enabled) return null;
    const rule = this.rule(name);
    const taken = Math.min(points, rule.points);
    const limiter = this.limiter(name);
    try {
      const state = await limiter.consume(key, taken);
      return { allowed: true, retryAfterSeconds: 0, ...budgetState(rule, state) };
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      rateLimitRefusals.inc({ limit: name });
      const state = await limiter.reward(key, taken);
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
        ...budgetState(rule, state),
      };
    }
  }

  /** The key's budget without charging it (a fresh budget when nothing was spent). Null when off. */
  async budget(name: RateLimitName, key: string): Promise<BudgetState | null> {
    if (!this.enabled) return null;
    return budgetState(this.rule(name), await this.limiter(name).get(key));
  }

  /** Refuses without consuming when the key has no points left (e.g. an account under attack). */
  async check(name: RateLimitName, key: string): Promise<void> {
    if (!this.enabled) return;
    const state = await this.limiter(name).get(key);
    if (state && state.consumedPoints >= this.rule(name).points) {
      throw this.refused(name, state.msBeforeNext);
    }
  }

  /** Counts a failure without throwing (the caller reports its own error). */
  async penalize(name: RateLimitName, key: string): Promise<void> {
    if (!this.enabled) return;
    const state = await this.limiter(name).penalty(key, 1);
    if (state.consumedPoints >= this.rule(name).points) {
      this.remember(name, key, state.msBeforeNext);
    }
  }

  /**
   * Refuses, without a store round trip, a key whose budget this process saw spent by its own
   * `penalize`: for checks on a hot path (every bearer token), where asking Redis each time
   * would cost every caller what only a few spend. Another instance learns of the spent budget
   * at its own next penalty, so each instance lets at most one more attempt through per window.
   */
  refuseIfSpent(name: RateLimitName, key: string): void {
    if (!this.enabled || this.spent.size === 0) return;
    const until = this.spent.get(`${name} ${key}`);
    if (until === undefined) return;
    const left = until - Date.now();
    if (left > 0) throw this.refused(name, left);
    this.spent.delete(`${name} ${key}`);
  }

  /** Counts a spent budget that is let through anyway (a security notice is never dropped). */
  async countAlways(name: RateLimitName, key: string): Promise<boolean> {
    if (!this.enabled) return true;
    const state = await this.limiter(name).penalty(key, 1);
    return state.consumedPoints <= this.rule(name).points;
  }

  private refused(name: RateLimitName, msBeforeNext: number) {
    rateLimitRefusals.inc({ limit: name });
    return rateLimited(msBeforeNext / 1000);
  }

  private remember(name: RateLimitName, key: string, msBeforeNext: number): void {
    if (this.spent.size >= MAX_SPENT_KEYS) {
      const now = Date.now();
      for (const [entry, until] of this.spent) if (until <= now) this.spent.delete(entry);
      // Still full of live entries: forget the oldest (Maps iterate in insertion order).
      if (this.spent.size >= MAX_SPENT_KEYS) {
        this.spent.delete(this.spent.keys().next().value as string);
      }
    }
    this.spent.set(`${name} ${key}`, Date.now() + msBeforeNext);
  }

  private limiter(name: RateLimitName): RateLimiterAbstract {
    let limiter = this.limiters.get(name);
    if (!limiter) {
      const rule = this.rule(name);
      limiter = this.factory(name, rule.points, rule.duration);
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}

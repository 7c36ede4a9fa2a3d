import type { GraphQLError } from 'graphql';
import type { Viewer } from '../accounts/session.service';
import { costBudgetSpent } from '../errors/errors';
import type { BudgetState, RateLimits } from './rate-limits';

/** What one operation was charged, and its caller's budget after it (null: limits are off). */
export interface OperationCharge {
  cost: number;
  budget: BudgetState | null;
}

/** Whose budget an operation spends: the signed-in user's, else its address's. */
export const costBudgetKey = (viewer: Viewer | null, ip: string): string =>
  viewer ? `user:${viewer.user.id}` : `ip:${ip}`;

/**
 * Charges `cost` to the caller's budget of cost points (COST_BUDGET_PER_HOUR) before the
 * operation runs. `refusal`: the RATE_LIMITED to answer instead of running it; the charge then
 * took nothing.
 */
export async function chargeOperation(
  rateLimits: RateLimits,
  viewer: Viewer | null,
  ip: string,
  cost: number,
): Promise<{ charge: OperationCharge; refusal: GraphQLError | null }> {
  const result = await rateLimits.charge('costPerCaller', costBudgetKey(viewer, ip), cost);
  if (!result) return { charge: { cost, budget: null }, refusal: null };
  const { allowed, retryAfterSeconds, ...budget } = result;
  return {
    charge: { cost, budget },
    refusal: allowed ? null : costBudgetSpent(cost, budget.remaining, retryAfterSeconds),
  };
}

/** The caller's budget without charging it (an answer refused before its operation was known). */
export const currentBudget = (
  rateLimits: RateLimits,
  viewer: Viewer | null,
  ip: string,
): Promise<BudgetState | null> => rateLimits.budget('costPerCaller', costBudgetKey(viewer, ip));

/**
 * The budget the `rateLimit` field reports: with limits off nothing is counted, so the whole
 * budget is always left.
 */
export function reportedBudget(rateLimits: RateLimits, charge: OperationCharge): BudgetState {
  if (charge.budget) return charge.budget;
  const rule = rateLimits.rule('costPerCaller');
  return {
    limit: rule.points,
    used: 0,
    remaining: rule.points,
    resetAt: new Date(Date.now() + rule.duration * 1000),
  };
}

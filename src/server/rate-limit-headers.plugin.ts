import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../resolvers/context';
import { currentBudget } from '../rate-limit/cost-budget';
import type { BudgetState } from '../rate-limit/rate-limits';

/** The budget headers, as GitHub names them; browsers may read them (CORS exposes them). */
export const RATE_LIMIT_HEADERS = {
  limit: 'x-ratelimit-limit',
  remaining: 'x-ratelimit-remaining',
  used: 'x-ratelimit-used',
  reset: 'x-ratelimit-reset',
} as const;

/** The headers of a budget; the reset in epoch seconds. */
export const rateLimitHeaders = (budget: BudgetState): [string, string][] => [
  [RATE_LIMIT_HEADERS.limit, String(budget.limit)],
  [RATE_LIMIT_HEADERS.remaining, String(budget.remaining)],
  [RATE_LIMIT_HEADERS.used, String(budget.used)],
  [RATE_LIMIT_HEADERS.reset, String(Math.ceil(budget.resetAt.getTime() / 1000))],
];

/**
 * Every GraphQL answer carries its caller's budget over time after this operation: the charged
 * one, or, for an answer refused before its operation was known (and so not charged), the budget
 * as it stands. None when limits are off.
 */
export function rateLimitHeadersPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const budget = contextValue.costCharge
            ? contextValue.costCharge.budget
            : await currentBudget(
                contextValue.services.rateLimits,
                contextValue.viewer,
                contextValue.ip,
              );
          if (!budget) return;
          for (const [name, value] of rateLimitHeaders(budget)) {
            response.http.headers.set(name, value);
          }
        },
      };
    },
  };
}

import { Ctx, Query, Resolver } from 'type-graphql';
import { currentBudget, reportedBudget } from '../src/rate-limit/cost-budget';
import type { Context } from './context';
import { RateLimit } from './types/rate-limit.type';

/** The service these resolvers call. */
type Uses = 'rateLimits';

@Resolver()
export class RateLimitResolver {
  @Query(() => RateLimit, {
    description:
      "The caller's budget of cost points over time, as the X-RateLimit-* headers carry it; costs 1.",
  })
  async rateLimit(@Ctx() ctx: Context<Uses>): Promise<RateLimit> {
    const { rateLimits } = ctx.services;
    // Every operation is charged before it runs; this fallback is for one that was not.
    const charge = ctx.costCharge ?? {
      cost: 0,
      budget: await currentBudget(rateLimits, ctx.viewer, ctx.ip),
    };
    const { limit, remaining, resetAt } = reportedBudget(rateLimits, charge);
    return { limit, cost: charge.cost, remaining, resetAt };
  }
}

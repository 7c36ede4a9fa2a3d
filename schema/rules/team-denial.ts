import type { Context } from '../../resolvers/context';
import { forbidden, heldForTwoFactor } from '../../src/errors/errors';

/**
 * The error for a viewer whose role in the team does not allow the call: FORBIDDEN, with
 * `extensions.reason: "TWO_FACTOR_REQUIRED"` when they are a member held out by the team's
 * two-factor rule, so a client can tell them what to do.
 */
export async function teamDenial(ctx: Context<never>, teamId: string) {
  return (await ctx.loaders.heldForTwoFactor.load(teamId)) ? heldForTwoFactor() : forbidden();
}

import { rule } from './rule';
import type { Context } from '../../resolvers/context';
import { forbidden, unauthenticated } from '../../src/errors/errors';

/** Profiles are visible to their owner and to people who share a team with them. */
export const canSeeUserArg = rule('canSeeUserArg', { cache: 'no_cache' })(async (
  _parent,
  args: { id?: unknown },
  ctx: Context<never>,
) => {
  if (!ctx.viewer) return unauthenticated();
  if (typeof args.id !== 'string') return forbidden();
  return (await ctx.loaders.sharesTeamWith.load(args.id)) ? true : forbidden();
});

/** `User.teams` is only on `me`. */
export const isSelf = rule('isSelf', { cache: 'no_cache' })(
  (parent: { id?: unknown }, _args, ctx: Context<never>) =>
    ctx.viewer?.user.id === parent.id ? true : forbidden('Only available on `me`.'),
);

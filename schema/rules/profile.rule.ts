import type { IRule } from 'graphql-shield';
import { rule } from './rule';
import type { Context } from '../../resolvers/context';
import { isOwnProfile } from '../../src/accounts/own-profile';
import { seesPersonalProfile } from '../../src/teams/team-policy';

/**
 * The personal fields of a `User` (API.md "Profile visibility"): the user themself and people
 * who share a team with them now read them; for anyone else they are null — not an error, so a
 * page of activity by a former member still loads. Never cached: the answer depends on the parent.
 */
export const personalFieldOfVisibleProfile: IRule = nullUnless(
  'personalFieldOfVisibleProfile',
  async (parent: { id?: unknown }, ctx: Context<never>) => {
    if (typeof parent.id !== 'string') return false;
    if (isOwnProfile(parent)) return true;
    if (!ctx.viewer) return false;
    const viewerIsUser = ctx.viewer.user.id === parent.id;
    return seesPersonalProfile(
      viewerIsUser,
      viewerIsUser || (await ctx.loaders.sharesTeamWith.load(parent.id)),
    );
  },
);

/**
 * A rule whose refusal makes the field null instead of an error. graphql-shield hands any rule
 * result other than true/false back to GraphQL as the field's value; this one answers null.
 * Only for nullable fields (test/profile-visibility.test.ts checks that every guarded field is).
 */
function nullUnless(
  name: string,
  visible: (parent: { id?: unknown }, ctx: Context<never>) => Promise<boolean>,
): IRule {
  const check = rule(name, { cache: 'no_cache' })((parent, _args, ctx: Context<never>) =>
    visible(parent as { id?: unknown }, ctx),
  );
  const decide = check.resolve.bind(check);
  check.resolve = async (...args) =>
    (await decide(...args)) === true
      ? true
      : (null as unknown as Awaited<ReturnType<IRule['resolve']>>);
  return check;
}

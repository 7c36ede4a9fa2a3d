import type { GraphQLResolveInfo } from 'graphql';
import { Role } from '../entities/role.enum';
import type { Context } from '../resolvers/context';
import { parentId, teamRoleRule } from '../schema/rules/team-role.rule';
import type { MaybeRole } from '../src/teams/team-policy';
import { isMember, isOwner } from '../src/teams/team-policy';
import { RoleLoader } from '../src/loaders/role-loader';

/**
 * The role rules answer the many fields of one page from the role their request's loaders
 * already read, without a promise each; a new set of loaders (after a mutation, for each live
 * event) reads the role again.
 */
describe('team role rules', () => {
  const TEAM = '00000000-0000-4000-8000-000000000001';

  /** Loaders whose role read answers `role`, counting the reads that reach the batch. */
  function loadersWith(role: MaybeRole) {
    const reads: string[] = [];
    return {
      reads,
      loaders: {
        viewerRole: new RoleLoader(async (teamIds) => {
          reads.push(...teamIds);
          return teamIds.map(() => role);
        }),
        heldForTwoFactor: { load: () => Promise.resolve(false) },
      },
    };
  }

  /** A request context as shield sees it (its rule cache included). */
  type ShieldedContext = Context & { _shield: { cache: Record<string, never> } };

  const contextWith = (loaders: object) =>
    ({
      viewer: { user: { id: 'viewer' } },
      loaders,
      _shield: { cache: {} },
    }) as unknown as ShieldedContext;

  const check = (
    policy: (role: MaybeRole) => boolean,
    ctx: ShieldedContext,
  ): Promise<boolean | Error | string> =>
    teamRoleRule('test', parentId, policy).resolve(
      { id: TEAM },
      {},
      ctx,
      {} as GraphQLResolveInfo,
      {
        allowExternalErrors: false,
        debug: false,
        fallbackRule: undefined as never,
        fallbackError: new Error('fallback'),
        hashFunction: () => '',
      },
    );

  it('reads the role once per set of loaders; later fields are answered without a load', async () => {
    const member = loadersWith(Role.MEMBER);
    const ctx = contextWith(member.loaders);
    expect(await check(isMember, ctx)).toBe(true);
    const loads = jest.spyOn(member.loaders.viewerRole, 'load');
    expect(await check(isMember, ctx)).toBe(true);
    expect(await check(isMember, ctx)).toBe(true);
    expect(loads).not.toHaveBeenCalled();
    expect(member.reads).toEqual([TEAM]);
  });

  it('fresh loaders read the role again: a member who left is refused', async () => {
    const ctx = contextWith(loadersWith(Role.MEMBER).loaders);
    expect(await check(isMember, ctx)).toBe(true);
    const gone = loadersWith(null);
    ctx.loaders = gone.loaders as unknown as Context['loaders'];
    const answer = await check(isMember, ctx);
    expect(answer).toBeInstanceOf(Error);
    expect(gone.reads).toEqual([TEAM]);
  });

  it('a role that does not pass is refused, not taken from what passed another rule', async () => {
    const member = loadersWith(Role.MEMBER);
    const ctx = contextWith(member.loaders);
    expect(await check(isMember, ctx)).toBe(true);
    const answer = await check(isOwner, ctx);
    expect(answer).toBeInstanceOf(Error);
    expect((answer as { extensions?: { code?: string } }).extensions?.code).toBe('FORBIDDEN');
  });

  it('a primed role (the one confirmed under a lock) is answered without a read', async () => {
    const primed = loadersWith(null);
    primed.loaders.viewerRole.prime(TEAM, Role.ADMIN);
    expect(primed.loaders.viewerRole.answered(TEAM)).toBe(Role.ADMIN);
    const loads = jest.spyOn(primed.loaders.viewerRole, 'load');
    expect(await check(isMember, contextWith(primed.loaders))).toBe(true);
    expect(loads).not.toHaveBeenCalled();
    expect(primed.reads).toEqual([]);
    // A fresh loader knows nothing until it reads.
    expect(loadersWith(Role.ADMIN).loaders.viewerRole.answered(TEAM)).toBeUndefined();
  });
});

import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Session } from '../entities/session.entity';
import { User } from '../entities/user.entity';
import type { AuthResult } from '../src/accounts/account.service';
import { markOwnProfile } from '../src/accounts/own-profile';
import type { Context } from './context';
import { AuthPayload } from './types/auth-payload.type';
import { SignUpInput } from './types/sign-up.input';
import { UpdateProfileInput } from './types/update-profile.input';
import { requireViewer } from './viewer';

/** The services these resolvers call. */
type Uses = 'accounts' | 'sessions';

// The caller has no session yet in this request, but the user is their own.
const toPayload = ({ token, session, user }: AuthResult): AuthPayload => ({
  token,
  expiresAt: session.expiresAt,
  user: markOwnProfile(user),
});

/** The optional second-factor argument of the operations that prove who the caller is. */
const SECOND_FACTOR_CODE = {
  nullable: true,
  description: 'A TOTP or recovery code, for accounts with two-factor on.',
};

@Resolver()
export class AccountResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user; null when anonymous.' })
  me(@Ctx() ctx: Context<Uses>): User | null {
    return ctx.viewer?.user ?? null;
  }

  @Query(() => [Session], { description: 'My active sessions, most recently used first.' })
  mySessions(@Ctx() ctx: Context<Uses>): Promise<Session[]> {
    return ctx.services.sessions.listActive(requireViewer(ctx).user.id);
  }

  @Query(() => User, {
    description: 'A user who shares a team with me (or me). FORBIDDEN otherwise.',
  })
  async user(@Arg('id', () => ID) id: string, @Ctx() ctx: Context<Uses>): Promise<User> {
    // The permission map checked visibility; the row exists because a shared team references it.
    const user = await ctx.loaders.user.load(id);
    if (!user) throw new Error(`visible user ${id} vanished`);
    return user;
  }

  @Mutation(() => AuthPayload)
  async signUp(@Arg('input') input: SignUpInput, @Ctx() ctx: Context<Uses>): Promise<AuthPayload> {
    return toPayload(await ctx.services.accounts.signUp(input, ctx));
  }

  @Mutation(() => AuthPayload)
  async logIn(
    @Arg('email') email: string,
    @Arg('password') password: string,
    @Arg('code', () => String, SECOND_FACTOR_CODE) code: string | null,
    @Ctx() ctx: Context<Uses>,
  ): Promise<AuthPayload> {
    return toPayload(await ctx.services.accounts.logIn(email, password, code, ctx));
  }

  @Mutation(() => Boolean, {
    description: 'Revokes the current session; its open WebSockets close.',
  })
  logOut(@Ctx() ctx: Context<Uses>): Promise<boolean> {
    return ctx.services.accounts.logOut(requireViewer(ctx));
  }

  @Mutation(() => Boolean)
  revokeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: Context<Uses>): Promise<boolean> {
    return ctx.services.accounts.revokeSession(requireViewer(ctx), id);
  }

  @Mutation(() => Int, { description: 'Revokes every session but this one; returns how many.' })
  revokeOtherSessions(@Ctx() ctx: Context<Uses>): Promise<number> {
    return ctx.services.accounts.revokeOtherSessions(requireViewer(ctx));
  }

  @Mutation(() => Boolean, { description: 'Same policy as sign-up; revokes every other session.' })
  changePassword(
    @Arg('currentPassword') currentPassword: string,
    @Arg('newPassword') newPassword: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<boolean> {
    return ctx.services.accounts.changePassword(
      requireViewer(ctx),
      currentPassword,
      newPassword,
      ctx,
    );
  }

  @Mutation(() => Boolean, {
    description:
      'Proves that the signed-in person is the owner (password, and the second factor when on): for REAUTH_WINDOW this session may then change how the account signs in.',
  })
  confirmIdentity(
    @Arg('password') password: string,
    @Arg('code', () => String, SECOND_FACTOR_CODE) code: string | null,
    @Ctx() ctx: Context<Uses>,
  ): Promise<boolean> {
    return ctx.services.accounts.confirmIdentity(requireViewer(ctx), password, code, ctx);
  }

  @Mutation(() => User)
  updateProfile(@Arg('input') input: UpdateProfileInput, @Ctx() ctx: Context<Uses>): Promise<User> {
    return ctx.services.accounts.updateProfile(requireViewer(ctx), input);
  }
}

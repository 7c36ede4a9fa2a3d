import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { User } from '../entities/user.entity';
import type { Context } from './context';
import { TwoFactorSetup } from './types/two-factor-setup.type';
import { requireViewer } from './viewer';

/** The services these resolvers call. */
type Uses = 'accountDeletion' | 'emailChange' | 'emailVerification' | 'passwordReset' | 'twoFactor';

/** Account recovery, verified e-mail, e-mail change, deletion and two-factor. */
@Resolver()
export class AccountRecoveryResolver {
  @Mutation(() => Boolean, {
    description:
      'Always true, whether or not the address has an account; when it has, e-mails a single-use link valid 1 h.',
  })
  requestPasswordReset(@Arg('email') email: string, @Ctx() ctx: Context<Uses>): Promise<boolean> {
    return ctx.services.passwordReset.request(email, ctx.ip);
  }

  @Mutation(() => Boolean, {
    description: 'Sets a new password from a reset link; ends every session.',
  })
  resetPassword(
    @Arg('token') token: string,
    @Arg('newPassword') newPassword: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<boolean> {
    return ctx.services.passwordReset.reset(token, newPassword, ctx.ip);
  }

  @Mutation(() => Boolean, { description: 'Marks the address the link was sent to as verified.' })
  verifyEmail(@Arg('token') token: string, @Ctx() ctx: Context<Uses>): Promise<boolean> {
    return ctx.services.emailVerification.verify(token, ctx.ip);
  }

  @Mutation(() => Boolean, {
    description: 'Sends a new verification link; the old one stops working.',
  })
  resendVerificationEmail(@Ctx() ctx: Context<Uses>): Promise<boolean> {
    return ctx.services.emailVerification.resend(requireViewer(ctx));
  }

  @Mutation(() => Boolean, {
    description: 'E-mails a confirmation link to the new address and a notice to the current one.',
  })
  requestEmailChange(
    @Arg('newEmail') newEmail: string,
    @Arg('password') password: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<boolean> {
    return ctx.services.emailChange.request(requireViewer(ctx), newEmail, password);
  }

  @Mutation(() => User, {
    description: 'The new address becomes the verified e-mail; other sessions end.',
  })
  confirmEmailChange(@Arg('token') token: string, @Ctx() ctx: Context<Uses>): Promise<User> {
    return ctx.services.emailChange.confirm(token, ctx.viewer, ctx.ip);
  }

  @Mutation(() => Boolean, {
    description:
      "The old address's link from an e-mail change notice (valid 7 days): cancels the change, or undoes it by restoring that address; ends every session.",
  })
  revertEmailChange(@Arg('token') token: string, @Ctx() ctx: Context<Uses>): Promise<boolean> {
    return ctx.services.emailChange.revert(token, ctx.ip);
  }

  @Mutation(() => Boolean, {
    description:
      'Deletes my account: refused while I own a team; erases my name and e-mail everywhere.',
  })
  deleteAccount(
    @Arg('password') password: string,
    @Arg('code', () => String, { nullable: true }) code: string | null,
    @Ctx() ctx: Context<Uses>,
  ): Promise<boolean> {
    return ctx.services.accountDeletion.delete(requireViewer(ctx), password, code);
  }

  @Mutation(() => TwoFactorSetup)
  beginTwoFactorSetup(@Ctx() ctx: Context<Uses>): Promise<TwoFactorSetup> {
    return ctx.services.twoFactor.beginSetup(requireViewer(ctx));
  }

  @Mutation(() => [String], {
    description: 'Turns two-factor on; returns 10 one-time recovery codes, shown only now.',
  })
  confirmTwoFactorSetup(@Arg('code') code: string, @Ctx() ctx: Context<Uses>): Promise<string[]> {
    return ctx.services.twoFactor.confirmSetup(requireViewer(ctx), code);
  }

  @Mutation(() => Boolean, {
    description: 'Needs the password and a code; refused while a team of mine requires two-factor.',
  })
  disableTwoFactor(
    @Arg('password') password: string,
    @Arg('code') code: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<boolean> {
    return ctx.services.twoFactor.disable(requireViewer(ctx), password, code);
  }

  @Mutation(() => Boolean, {
    description:
      'The link of the "two-factor turned on" notice (valid 7 days): turns that enrolment off, with its recovery codes; ends every session.',
  })
  revertTwoFactorSetup(@Arg('token') token: string, @Ctx() ctx: Context<Uses>): Promise<boolean> {
    return ctx.services.twoFactor.revertSetup(token, ctx.ip);
  }

  @Mutation(() => [String], { description: 'New recovery codes; the old ones stop working.' })
  regenerateRecoveryCodes(@Arg('code') code: string, @Ctx() ctx: Context<Uses>): Promise<string[]> {
    return ctx.services.twoFactor.regenerateRecoveryCodes(requireViewer(ctx), code);
  }
}

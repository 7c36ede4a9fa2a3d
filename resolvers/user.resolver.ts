import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Membership } from '../entities/membership.entity';
import { User } from '../entities/user.entity';
import type { Context } from '../src/context/context';

@Resolver(() => User)
export class UserResolver {
  @FieldResolver(() => [Membership], { description: 'My teams. Only on `me`.' })
  teams(@Root() user: User, @Ctx() ctx: Context): Promise<Membership[]> {
    return ctx.services.dataSource
      .getRepository(Membership)
      .find({ where: { userId: user.id }, order: { joinedAt: 'ASC' } });
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: 'Whether the e-mail address was proven. Only for the user and current teammates.',
  })
  async emailVerified(@Root() user: User, @Ctx() ctx: Context): Promise<boolean | null> {
    return (await ctx.loaders.sharesTeamWith.load(user.id)) ? user.emailVerifiedAt !== null : null;
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: 'Whether two-factor is on. Only for the user and current teammates.',
  })
  async twoFactorEnabled(@Root() user: User, @Ctx() ctx: Context): Promise<boolean | null> {
    return (await ctx.loaders.sharesTeamWith.load(user.id))
      ? user.twoFactorEnabledAt !== null
      : null;
  }
}

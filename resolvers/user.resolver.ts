import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Membership } from '../entities/membership.entity';
import { User } from '../entities/user.entity';
import type { Context } from './context';

/** The service these resolvers call. */
type Uses = 'userMemberships';

@Resolver(() => User)
export class UserResolver {
  @FieldResolver(() => [Membership], { description: 'My teams. Only on `me`.' })
  teams(@Root() user: User, @Ctx() ctx: Context<Uses>): Promise<Membership[]> {
    return ctx.services.userMemberships.of(user.id);
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: 'Whether the e-mail address was proven. Only for the user and current teammates.',
  })
  emailVerified(@Root() user: User): boolean {
    // Who may see it is the permission map's profile rule (null for everyone else).
    return user.emailVerifiedAt !== null;
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: 'Whether two-factor is on. Only for the user and current teammates.',
  })
  twoFactorEnabled(@Root() user: User): boolean {
    return user.twoFactorEnabledAt !== null;
  }
}

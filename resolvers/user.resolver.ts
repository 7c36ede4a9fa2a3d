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
}

import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Team } from '../entities/team.entity';
import type { Context } from './context';
import { connectionOf, ownCursor } from './types/connection-of';
import { ItemConnection } from './types/item-connection.type';

/** The service these resolvers call. */
type Uses = 'items';

/** ItemConnection as resolved: the team is kept so totalCount is counted only when asked. */
type ItemConnectionOf = ItemConnection & { teamId: string };

@Resolver(() => Team)
export class TeamItemsResolver {
  @FieldResolver(() => ItemConnection, {
    description: 'Items, oldest first; first 1..100 (default 20).',
  })
  async items(
    @Root() team: Team,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Omit<ItemConnectionOf, 'totalCount'>> {
    const page = await ctx.services.items.page(team.id, first, after);
    // The page statement read the authors too: their fields need no second read.
    for (const author of page.authors) ctx.loaders.user.prime(author.id, author);
    return {
      teamId: team.id,
      ...connectionOf(page, ownCursor),
    };
  }
}

@Resolver(() => ItemConnection)
export class ItemConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: ItemConnectionOf, @Ctx() ctx: Context<Uses>): Promise<number> {
    return ctx.services.items.count(connection.teamId);
  }
}

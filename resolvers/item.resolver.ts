import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Item } from '../entities/item.entity';
import { Team } from '../entities/team.entity';
import { User } from '../entities/user.entity';
import type { Context } from './context';
import { forbidden } from '../src/errors/errors';
import { CreateItemInput } from './types/create-item.input';
import { UpdateItemInput } from './types/update-item.input';
import { requireViewer } from './viewer';

/** The service these resolvers call. */
type Uses = 'items';

@Resolver(() => Item)
export class ItemResolver {
  @Query(() => Item, {
    description: 'An item of a team I am in. FORBIDDEN otherwise, or when it does not exist.',
  })
  async item(@Arg('id', () => ID) id: string, @Ctx() ctx: Context<Uses>): Promise<Item> {
    const item = await ctx.loaders.item.load(id);
    if (!item) throw forbidden();
    return item;
  }

  @Mutation(() => Item, { description: 'Members; records ITEM_CREATED.' })
  createItem(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('input') input: CreateItemInput,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Item> {
    return ctx.services.items.createItem(requireViewer(ctx).user, teamId, input);
  }

  @Mutation(() => Item, {
    description:
      'Members; CONFLICT when expectedVersion is not the current version. Records ITEM_UPDATED.',
  })
  updateItem(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateItemInput,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Ctx() ctx: Context<Uses>,
  ): Promise<Item> {
    return ctx.services.items.updateItem(
      requireViewer(ctx).user,
      id,
      input,
      expectedVersion ?? null,
    );
  }

  @Mutation(() => ID, { description: 'Its creator, ADMINs and the OWNER; records ITEM_DELETED.' })
  deleteItem(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Ctx() ctx: Context<Uses>,
  ): Promise<string> {
    return ctx.services.items.deleteItem(requireViewer(ctx).user, id, expectedVersion ?? null);
  }

  @FieldResolver(() => Team)
  async team(@Root() item: Item, @Ctx() ctx: Context<Uses>): Promise<Team> {
    const team = await ctx.loaders.team.load(item.teamId);
    if (!team) throw new Error(`team ${item.teamId} of an item vanished`);
    return team;
  }

  @FieldResolver(() => User)
  createdBy(@Root() item: Item, @Ctx() ctx: Context<Uses>): Promise<User> {
    return loadUser(ctx, item.createdById);
  }

  @FieldResolver(() => User)
  updatedBy(@Root() item: Item, @Ctx() ctx: Context<Uses>): Promise<User> {
    return loadUser(ctx, item.updatedById);
  }
}

async function loadUser(ctx: Context<Uses>, id: string): Promise<User> {
  const user = await ctx.loaders.user.load(id);
  if (!user) throw new Error(`author ${id} of an item vanished`);
  return user;
}

import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Node } from '../entities/node.interface';
import { badInput } from '../src/errors/errors';
import type { Context } from './context';
import { visibleNode, type NodeValue } from './visible-node';

/** How many ids one `nodes` call may ask for, as a page may hold. */
export const MAX_NODE_IDS = 100;

@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description: 'The object with this id, or null when there is none I may see.',
  })
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context<never>): Promise<NodeValue | null> {
    return visibleNode(ctx, id);
  }

  @Query(() => [Node], {
    nullable: 'items',
    description: `The objects with these ids, in order, null for each one I may not see; at most ${MAX_NODE_IDS}.`,
  })
  nodes(
    @Arg('ids', () => [ID]) ids: string[],
    @Ctx() ctx: Context<never>,
  ): Promise<(NodeValue | null)[]> {
    if (ids.length > MAX_NODE_IDS) {
      throw badInput('ids', `ids may hold at most ${MAX_NODE_IDS} ids.`);
    }
    return Promise.all(ids.map((id) => visibleNode(ctx, id)));
  }
}

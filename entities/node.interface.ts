import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * Relay object identification: every object a client may refetch on its own. Ids are the rows'
 * UUIDs, without a type prefix, so `node(id)` finds the type by looking the id up.
 */
@InterfaceType({ description: 'An object that can be fetched again by its id with `node(id)`.' })
export abstract class Node {
  @Field(() => ID)
  id: string;
}

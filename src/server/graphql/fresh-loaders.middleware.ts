import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import type { Context } from '../../../resolvers/context';
import { confirmedRoleOf } from '../../loaders/confirmed-role';

/**
 * After a mutation, the request's DataLoaders may hold what the mutation just changed (e.g. the
 * caller's role before `transferOwnership`). The rest of the request starts with fresh ones.
 * Wraps the Mutation fields only: a type-graphql global middleware would turn every plain
 * property of every object into an asynchronous middleware chain.
 */
export function freshLoadersAfterMutations(schema: GraphQLSchema): GraphQLSchema {
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const field of Object.values(fields)) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (root, args, context: Context, info) => {
      const result: unknown = await resolve(root, args, context, info);
      context.loaders = context.freshLoaders();
      const confirmed = confirmedRoleOf(result);
      if (confirmed) context.loaders.viewerRole.prime(confirmed.teamId, confirmed.role);
      return result;
    };
  }
  return schema;
}

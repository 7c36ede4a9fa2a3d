import type { MiddlewareFn } from 'type-graphql';
import type { Context } from '../context/context';
import { createLoaders } from '../loaders/loaders';

/**
 * After a mutation, the request's DataLoaders may hold what the mutation just changed (e.g. the
 * caller's role before `transferOwnership`). Start the rest of the request with fresh ones.
 */
export const freshLoadersAfterMutation: MiddlewareFn<Context> = async ({ context, info }, next) => {
  const result = await next();
  if (info.parentType.name === 'Mutation') {
    context.loaders = createLoaders(context.services.dataSource, context.viewer?.user.id ?? null);
  }
  return result;
};

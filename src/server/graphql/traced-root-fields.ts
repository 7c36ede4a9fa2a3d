import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { inExecutionSpan } from '../../tracing/operation-span';

/**
 * Runs each Query and Mutation field's resolver inside its operation's `graphql.execute` span
 * (tracing.plugin.ts binds it), so what a root field does (its SQL, its publish) is a child
 * of the execution. Root fields only: one lookup per root field, not per resolved value.
 */
export function withTracedRootFields(schema: GraphQLSchema): GraphQLSchema {
  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: object, info) =>
        inExecutionSpan(context, () => resolve(source, args, context, info));
    }
  }
  return schema;
}

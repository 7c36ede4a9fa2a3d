import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchemaSync } from 'type-graphql';
import { resolvers } from '../../resolvers';
import { noTopicPubSub } from '../live/no-topic-pub-sub';
import { permissions } from '../../schema/permissions';
import { freshLoadersAfterMutations } from './fresh-loaders.middleware';

/** The executable schema as type-graphql builds it, before permissions. */
export function buildBareSchema(): GraphQLSchema {
  return freshLoadersAfterMutations(
    buildSchemaSync({
      resolvers,
      scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
      validate: false,
      pubSub: noTopicPubSub,
      emitSchemaFile: false,
    }),
  );
}

/** The served schema: every field behind the permission map. */
export function buildSchema(): GraphQLSchema {
  return applyMiddleware(buildBareSchema(), permissions);
}

/** The SDL committed as schema/schema.graphql: sorted so diffs show real changes only. */
export function printSortedSchema(schema: GraphQLSchema = buildBareSchema()): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}

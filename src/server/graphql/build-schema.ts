import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchemaSync } from 'type-graphql';
import { resolvers } from '../../../resolvers';
import { noTopicPubSub } from '../../live/no-topic-pub-sub';
import { permissions } from '../../../schema/permissions';
import { freshLoadersAfterMutations } from './fresh-loaders.middleware';
import { withExecutionDeadline } from './execution-deadline';
import { withInputEdge } from './input-edge';
import { withTracedRootFields } from './traced-root-fields';

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

/**
 * The served schema: root fields inside their execution's span (so permission rules and
 * their SQL are its children too), the execution deadline before anything else, every
 * argument through the input edge, then the permission map.
 */
export function buildSchema(): GraphQLSchema {
  return withTracedRootFields(
    withExecutionDeadline(withInputEdge(applyMiddleware(buildBareSchema(), permissions))),
  );
}

/** Benchmarks only (BENCH_SKIP_PERMISSIONS): the same spans, deadline and input edge, no permission map. */
export function buildSchemaWithoutPermissions(): GraphQLSchema {
  return withTracedRootFields(withExecutionDeadline(withInputEdge(buildBareSchema())));
}

/** The SDL committed as schema/schema.graphql: sorted so diffs show real changes only. */
export function printSortedSchema(schema: GraphQLSchema = buildBareSchema()): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}

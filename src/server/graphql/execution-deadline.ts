import {
  defaultFieldResolver,
  GraphQLError,
  isObjectType,
  responsePathAsArray,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import type { Context } from '../../../resolvers/context';
import { ErrorCode } from '../../errors/error-codes';
import { executionTimeLimits } from '../../metrics/graphql-metrics';

/** The reason clients can switch on when an operation ran out of execution time. */
export const TIME_LIMIT_REASON = 'TIME_LIMIT';

/** One execution's clock, and its refusal once the deadline has passed. */
interface ExecutionClock {
  deadline: number;
  refusal: GraphQLError | null;
}

/**
 * graphql-js coerces the variables afresh for every execution (each live event included), so
 * that object names one execution; its clock starts with the first field it resolves.
 */
const clocks = new WeakMap<object, ExecutionClock>();

function refusalAt(info: GraphQLResolveInfo, context: Context, budgetMs: number): GraphQLError {
  const type = info.operation.operation;
  executionTimeLimits.inc({ type });
  const path = responsePathAsArray(info.path);
  context.logger.warn(
    { event: 'graphql.time_limit', operationType: type, budgetMs, path },
    'operation stopped at its execution deadline',
  );
  // With its path set, graphql-js reports this very error wherever it is thrown (locatedError
  // keeps a located error), so the rest of the tree adds no new ones.
  return new GraphQLError(`The operation ran longer than ${budgetMs} ms and was stopped.`, {
    nodes: info.fieldNodes,
    path,
    extensions: { code: ErrorCode.BAD_USER_INPUT, reason: TIME_LIMIT_REASON },
  });
}

/** Starts the execution's clock, or throws its refusal once the deadline has passed. */
function refuseAfterDeadline(context: Context, info: GraphQLResolveInfo): void {
  const clock = clocks.get(info.variableValues);
  if (!clock) {
    const deadline = performance.now() + context.services.config.EXECUTION_TIMEOUT;
    clocks.set(info.variableValues, { deadline, refusal: null });
    return;
  }
  if (clock.refusal) throw clock.refusal;
  if (performance.now() <= clock.deadline) return;
  clock.refusal = refusalAt(info, context, context.services.config.EXECUTION_TIMEOUT);
  throw clock.refusal;
}

/**
 * graphql-js cannot abort an execution, so the work is stopped instead: once an operation's
 * EXECUTION_TIMEOUT has passed, no further field starts (permission rules included, this wraps
 * them), and what is left of the tree resolves at once to the one refusal. Queries are
 * bounded. Mutations are not: every root mutation field answers non-null, so refusing a later
 * one (or a field under one) would null the answers of those that already committed; their
 * work is bounded by the cost limit and their transactions. Nor are live events: every row a
 * subscriber is owed must reach it (API.md, the delivery rule), and a stopped event would reach
 * it as an error without its row; an event's selection is bounded by the cost limit and runs
 * once per audience.
 */
export function withExecutionDeadline(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: Context, info) => {
        if (info.operation.operation === 'query') refuseAfterDeadline(context, info);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}

/** Errors as sent, with the refusal once (fields it reached on other branches repeat it). */
export function withOneTimeLimit<E extends { extensions?: Record<string, unknown> }>(
  errors: readonly E[],
): E[] {
  let seen = false;
  return errors.filter((error) => {
    if (error.extensions?.reason !== TIME_LIMIT_REASON) return true;
    if (seen) return false;
    seen = true;
    return true;
  });
}

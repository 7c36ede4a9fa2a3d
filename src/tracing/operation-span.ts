import { context, trace, type Span } from '@opentelemetry/api';

/** Each operation's `graphql.execute` span, by the context object its resolvers are given. */
const executions = new WeakMap<object, Span>();

/**
 * Apollo starts an execution from its plugins' hooks, which cannot make a span active around
 * it: the plugin binds the span to the operation's context value instead, and the root fields
 * run their resolvers inside it (`inExecutionSpan`), so a mutation's SQL and its publish are
 * the execution's children.
 */
export function bindExecutionSpan(contextValue: object, span: Span): void {
  executions.set(contextValue, span);
}

export function inExecutionSpan<T>(contextValue: object, work: () => T): T {
  const span = executions.get(contextValue);
  return span ? context.with(trace.setSpan(context.active(), span), work) : work();
}

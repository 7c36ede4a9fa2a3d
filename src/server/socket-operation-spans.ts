import {
  context,
  SpanKind,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import {
  execute,
  getOperationAST,
  subscribe,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
} from 'graphql';
import { SpanAttribute } from '../tracing/span-attributes';
import { tracingOn } from '../tracing/tracing-on';
import { unsampledContext } from '../tracing/unsampled-trace';
import { tracer, withSpan } from '../tracing/with-span';
import { publicCode } from './logging-plugin';

type Checked = ExecutionArgs | readonly GraphQLError[] | void;
type OperationResult = ReturnType<typeof execute> | ReturnType<typeof subscribe>;

/** The operation's type and name, as its document says (the payload may name none). */
function operationAttributes(args: ExecutionArgs): Attributes {
  const operation = getOperationAST(args.document, args.operationName);
  return {
    [SpanAttribute.operationType]: operation?.operation ?? 'unknown',
    ...(operation?.name ? { [SpanAttribute.operationName]: operation.name.value } : {}),
  };
}

const isResult = (value: unknown): value is ExecutionResult =>
  typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);

/**
 * Operations over the socket have no request span to hang theirs on: each gets a
 * `graphql.operation` span (a server span) from its `subscribe` message until its execution
 * returns (a subscription: until it is set up; its events are traced per delivery), with the
 * same `graphql.parse`, `graphql.validate` and `graphql.execute` children as over HTTP.
 */
export class SocketOperationSpans {
  /**
   * Each accepted operation's context (with its span, or its unsampled trace's), by the
   * execution arguments graphql-ws passes along.
   */
  private readonly operations = new WeakMap<object, Context>();

  /**
   * graphql-ws's onSubscribe, `check`, inside a new operation span; the operation's name and
   * type are recorded once its document has passed (never a name the client merely claimed).
   * An operation the sampler drops runs as its unsampled trace: no span under it is made.
   */
  async checked(check: () => Promise<Checked>): Promise<Checked> {
    if (!tracingOn()) return check();
    const span = tracer().startSpan('graphql.operation', { kind: SpanKind.SERVER });
    if (!span.isRecording()) {
      span.end();
      const unsampled = unsampledContext(context.active(), span.spanContext());
      const checked = await context.with(unsampled, check);
      if (checked && !Array.isArray(checked)) this.operations.set(checked, unsampled);
      return checked;
    }
    span.setAttribute('network.transport', 'websocket');
    const within = trace.setSpan(context.active(), span);
    try {
      const checked = await context.with(within, check);
      if (!checked || Array.isArray(checked)) {
        this.finish(span, (checked ?? []) as readonly GraphQLError[]);
        return checked;
      }
      const args = checked as ExecutionArgs;
      span.setAttributes(operationAttributes(args));
      this.operations.set(args, within);
      return args;
    } catch (error) {
      span.end();
      throw error;
    }
  }

  /** graphql-ws's execute (queries, mutations) and subscribe (subscriptions), traced. */
  readonly execute = (args: ExecutionArgs) => this.run(args, execute);
  readonly subscribe = (args: ExecutionArgs) => this.run(args, subscribe);

  private async run(
    args: ExecutionArgs,
    run: (args: ExecutionArgs) => OperationResult,
  ): Promise<Awaited<OperationResult>> {
    const operation = this.operations.get(args);
    if (!operation) return run(args);
    this.operations.delete(args);
    const span = trace.getSpan(operation);
    if (!span) return context.with(operation, () => run(args));
    try {
      const result = await context.with(operation, () =>
        withSpan('graphql.execute', { attributes: () => operationAttributes(args) }, () =>
          run(args),
        ),
      );
      this.finish(span, isResult(result) ? (result.errors ?? []) : []);
      return result;
    } catch (error) {
      span.end();
      throw error;
    }
  }

  private finish(span: Span, errors: readonly GraphQLError[]): void {
    if (errors.length)
      span.setAttribute(SpanAttribute.errorCodes, [...new Set(errors.map((e) => publicCode(e)))]);
    span.end();
  }
}

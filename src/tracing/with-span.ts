import {
  context,
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { tracingOn } from './tracing-on';
import { droppedSpanContext, inUnsampledTrace, withinUnsampled } from './unsampled-trace';

export { SpanKind };

/**
 * The tracer every span of ours comes from (a no-op one while tracing is off). The API's
 * proxy finds the provider registered later on its first span, so one serves for good.
 */
const ourTracer = trace.getTracer('teamgraph');
export const tracer = () => ourTracer;

/** What `work` is handed when no span is made: every call on it does nothing. */
const INERT_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export interface SpanOptions {
  /** Called only for a span that is recorded: nothing is built for one that is dropped. */
  attributes?: () => Attributes;
  kind?: SpanKind;
  /** The span's parent; the active context when absent. */
  parent?: Context;
  /** Called only when a span is made (its parent is sampled, or it is a root). */
  links?: () => Link[];
}

/**
 * What a failed span records: the error's code or class, never its message (which can quote
 * client input). Errors with a contract code (GraphQLError) record that code.
 */
export function markFailed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute('error.type', errorType(error));
}

function errorType(error: unknown): string {
  if (typeof error !== 'object' || error === null) return typeof error;
  const { code, name } = error as { code?: unknown; name?: unknown };
  const extensions = (error as { extensions?: { code?: unknown } }).extensions;
  const found = extensions?.code ?? code ?? name;
  return typeof found === 'string' ? found : 'Error';
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function';

/**
 * Runs `work` inside a new span, active while it runs (spans and SQL it starts are its
 * children), and ends the span when `work` returns or its promise settles. A throw or a
 * rejection marks the span failed and goes on unchanged.
 *
 * Nothing is made where it would not be exported: while tracing is off, and inside a trace
 * that is not sampled (its parent was dropped), `work` is a direct call. A root whose trace
 * the sampler drops runs its work as that unsampled trace, so its children cost nothing either.
 */
export function withSpan<T>(name: string, options: SpanOptions, work: (span: Span) => T): T {
  if (!tracingOn()) return work(INERT_SPAN);
  const parent = options.parent ?? context.active();
  if (inUnsampledTrace(parent)) return work(INERT_SPAN);
  const dropped = droppedSpanContext(parent);
  if (dropped) return withinUnsampled(parent, dropped, () => work(INERT_SPAN));
  const span = ourTracer.startSpan(name, { kind: options.kind, links: options.links?.() }, parent);
  if (!span.isRecording()) {
    span.end();
    return withinUnsampled(parent, span.spanContext(), () => work(INERT_SPAN));
  }
  if (options.attributes) span.setAttributes(options.attributes());
  return context.with(trace.setSpan(parent, span), () => {
    let result: T;
    try {
      result = work(span);
    } catch (error) {
      markFailed(span, error);
      span.end();
      throw error;
    }
    if (!isThenable(result)) {
      span.end();
      return result;
    }
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        markFailed(span, error);
        span.end();
        throw error;
      },
    ) as T;
  });
}

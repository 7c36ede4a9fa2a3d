import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';

export { SpanKind };

/** The tracer every span of ours comes from (a no-op one while tracing is off). */
export const tracer = () => trace.getTracer('teamgraph');

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** The span's parent; the active context when absent. */
  parent?: Context;
  links?: Link[];
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
 * rejection marks the span failed and goes on unchanged. While tracing is off this is the
 * API's no-op span and a direct call.
 */
export function withSpan<T>(name: string, options: SpanOptions, work: (span: Span) => T): T {
  const { parent, ...spanOptions } = options;
  return tracer().startActiveSpan(name, spanOptions, parent ?? context.active(), (span) => {
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

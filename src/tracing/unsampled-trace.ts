import {
  context,
  createContextKey,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import { isTracingSuppressed, suppressTracing } from '@opentelemetry/core';

/** The span context of the unsampled trace that code runs in (for the bus to pass on). */
const UNSAMPLED = createContextKey('teamgraph.unsampled-trace');

/**
 * The span context of the span in `parent` when there is one and it will not be exported: a
 * local span the sampler dropped, or a caller's `traceparent` flagged unsampled.
 */
export function droppedSpanContext(parent: Context): SpanContext | undefined {
  const span = trace.getSpan(parent);
  if (!span || span.isRecording()) return undefined;
  const spanContext = span.spanContext();
  return spanContext.traceFlags & TraceFlags.SAMPLED ? undefined : spanContext;
}

/**
 * Runs `work` as part of the unsampled trace of `spanContext`: with no span in its context
 * (so the `pg` instrumentation, which only records inside a span, does nothing per
 * statement), tracing suppressed (the SDK answers any span asked for with an inert one at
 * once), and the trace's context kept aside for the event bus, so that deliveries on other
 * instances stay unsampled too.
 */
export function withinUnsampled<T>(parent: Context, spanContext: SpanContext, work: () => T): T {
  return context.with(unsampledContext(parent, spanContext), work);
}

/** The context `withinUnsampled` runs its work in, for work that starts later. */
export const unsampledContext = (parent: Context, spanContext: SpanContext): Context =>
  suppressTracing(trace.deleteSpan(parent)).setValue(UNSAMPLED, spanContext);

/** Whether the active context belongs to a trace that will not be exported. */
export const inUnsampledTrace = (active: Context = context.active()): boolean =>
  isTracingSuppressed(active);

/** The span context of the unsampled trace `active` belongs to, if it does. */
export const unsampledTrace = (active: Context = context.active()): SpanContext | undefined =>
  active.getValue(UNSAMPLED) as SpanContext | undefined;

/**
 * Runs `work` outside the active span when that span will not be exported (the request's,
 * when the sampler dropped it), so nothing under it makes spans, contexts or attributes that
 * would only be dropped; as it is otherwise.
 */
export function leaveUnsampledSpan<T>(work: () => T): T {
  const active = context.active();
  const dropped = droppedSpanContext(active);
  return dropped ? withinUnsampled(active, dropped, work) : work();
}

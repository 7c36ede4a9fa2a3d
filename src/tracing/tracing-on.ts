/**
 * Whether this process registered a tracer provider (start-tracing.ts). While it has not, the
 * span helpers call their work directly: no span, no context, no attributes built.
 */
let on = false;

export const tracingOn = (): boolean => on;

/** Only start-tracing.ts switches it, when it registers the provider and when it stops. */
export function setTracingOn(value: boolean): void {
  on = value;
}

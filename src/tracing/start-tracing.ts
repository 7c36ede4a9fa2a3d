import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { setTracingOn } from './tracing-on';
import { tracingSettings, type TraceExporterName } from './tracing-settings';

/** A running tracing SDK. */
export interface Tracing {
  exporter: TraceExporterName;
  /** Exports the spans still queued and stops. */
  shutdown(): Promise<void>;
}

/** Probes and scrapes: their spans would outnumber the requests worth following. */
const UNTRACED_PATHS = new Set(['/metrics', '/healthz', '/readyz', '/favicon.ico']);

/** What stands for a query string in a span. */
export const REDACTED = 'REDACTED';

const pathOf = (url: string | undefined) => (url ?? '/').split('?', 1)[0];

/**
 * An error's message can quote what a client sent (graphql-js's variable coercion does, and
 * so does PostgreSQL's "invalid input syntax … \"value\""): a span keeps the error status and
 * its type (`error.type`), never the message.
 */
const statusWithoutMessage: SpanProcessor = {
  onStart: () => undefined,
  onEnding: (span: Span) => {
    if (span.status.code === SpanStatusCode.ERROR && span.status.message !== undefined)
      span.setStatus({ code: SpanStatusCode.ERROR });
  },
  onEnd: () => undefined,
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

/**
 * Starts the OpenTelemetry SDK when the OTEL_* variables ask for it (tracing-settings.ts), and
 * returns null, having registered nothing, when they do not. Must run before `http` and `pg`
 * are first loaded: their instrumentations patch the modules as they load.
 */
export function startTracing(env: NodeJS.ProcessEnv): Tracing | null {
  const settings = tracingSettings(env);
  if (!settings.enabled) return null;
  const provider = new NodeTracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over the default.
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'teamgraph' }).merge(
      detectResources({ detectors: [envDetector] }),
    ),
    spanProcessors: [statusWithoutMessage, new BatchSpanProcessor(exporterFor(settings.exporter))],
  });
  // Also installs the W3C trace-context propagator and the async context manager.
  provider.register();
  setTracingOn(true);
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request.url)),
        // Outgoing calls (object storage) only as part of something traced.
        requireParentforOutgoingSpans: true,
        // A GET operation carries its document and variables in the query string: the span
        // keeps the path (url.path) and only the fact that there was a query string.
        startIncomingSpanHook: (request) =>
          request.url?.includes('?') ? { 'url.query': REDACTED } : {},
      }),
      // Statement text is the parameterised text; the values (enhancedDatabaseReporting) stay out.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  return {
    exporter: settings.exporter,
    async shutdown() {
      setTracingOn(false);
      unregister();
      await provider.shutdown();
    },
  };
}

function exporterFor(name: TraceExporterName): SpanExporter {
  // The OTLP exporter reads its endpoint, headers and timeout from OTEL_EXPORTER_OTLP_*.
  return name === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter();
}

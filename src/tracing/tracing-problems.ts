import { diag, DiagLogLevel } from '@opentelemetry/api';

/** The part of a logger the SDK's complaints go to. */
interface WarningLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * The SDK's own warnings and errors (an export the collector refused or never answered, a
 * queue full of spans that were dropped) as one log line each, instead of nothing: it has no
 * logger until one is set. Its messages name the failure, never a span's contents.
 */
export function logTracingProblems(logger: WarningLog): void {
  const log =
    (severity: string) =>
    (message: string, ...args: unknown[]) =>
      logger.warn(
        { event: 'tracing.problem', severity, details: args.map((arg) => String(arg)) },
        message,
      );
  diag.setLogger(
    {
      error: log('error'),
      warn: log('warn'),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

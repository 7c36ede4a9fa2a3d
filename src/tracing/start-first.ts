import type { Tracing } from './start-tracing';
import { tracingSettings, TracingSettingsError } from './tracing-settings';

/** The SDK as the process started it: null when off; `error` when OTEL_* was refused. */
export interface StartedTracing {
  tracing: Tracing | null;
  error?: string;
}

function start(): StartedTracing {
  try {
    if (!tracingSettings(process.env).enabled) return { tracing: null };
    // The SDK and its instrumentations load only when asked for: off, they would cost every
    // start 80 ms and every process 8 MB of heap for nothing. Synchronous, since `http` and
    // `pg` must be patched before anything else loads them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startTracing } = require('./start-tracing') as typeof import('./start-tracing');
    return { tracing: startTracing(process.env) };
  } catch (error) {
    if (!(error instanceof TracingSettingsError)) throw error;
    return { tracing: null, error: error.message };
  }
}

/**
 * Imported first by the entry point, so that the SDK patches `http` and `pg` before anything
 * loads them; a refused setting is reported there, with the rest of the configuration.
 */
export const startedTracing: StartedTracing = start();

import { startTracing, type Tracing } from './start-tracing';
import { TracingSettingsError } from './tracing-settings';

/** The SDK as the process started it: null when off; `error` when OTEL_* was refused. */
export interface StartedTracing {
  tracing: Tracing | null;
  error?: string;
}

function start(): StartedTracing {
  try {
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

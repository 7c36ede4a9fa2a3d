// First: tracing patches `http` and `pg` as they load (src/tracing/start-first.ts).
import { startedTracing } from './tracing/start-first';
import { loadConfigOrReport } from './config/config';
import { startApp } from './app';
import { EXIT_STARTUP, StartupError } from './errors/startup-error';
import { createLogger, type Logger } from './logging/logger';
import { currentRequestId } from './logging/request-scope';
import { handleStopSignals } from './server/stop-signals';
import { logTracingProblems } from './tracing/tracing-problems';

async function main(): Promise<void> {
  const config = loadConfigOrReport((message) => console.error(message));
  if (!config) process.exit(EXIT_STARTUP);
  if (startedTracing.error) {
    console.error(startedTracing.error);
    process.exit(EXIT_STARTUP);
  }
  // Readable lines for a developer at a terminal; JSON everywhere else.
  const pretty = config.NODE_ENV === 'development' && process.stdout.isTTY === true;
  const logger = createLogger(config.LOG_LEVEL, {}, undefined, { pretty });
  const crash = crashHandler(logger);
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  try {
    const { tracing } = startedTracing;
    if (tracing) {
      logTracingProblems(logger);
      logger.info({ event: 'tracing.started', exporter: tracing.exporter }, 'tracing on');
    }
    const app = await startApp(config, logger);
    handleStopSignals(
      // The spans still queued are exported before the process exits.
      {
        ...app,
        async stop(drainMs) {
          await app.stop(drainMs);
          await tracing?.shutdown();
        },
      },
      { drainMs: config.SHUTDOWN_DRAIN, deadlineMs: config.SHUTDOWN_TIMEOUT },
      logger,
    );
  } catch (error) {
    if (!(error instanceof StartupError)) return crash(error);
    logger.fatal({ event: 'startup.failed' }, error.message);
    logger.flush();
    process.exit(EXIT_STARTUP);
  }
}

/**
 * Whatever escapes is still one log line (with its stack), not a multi-line print, naming the
 * request it escaped from when it happened in one.
 */
const crashHandler = (logger: Logger) => (error: unknown) => {
  logger.fatal(
    { event: 'crash', requestId: currentRequestId(), err: error },
    'unexpected error; exiting',
  );
  logger.flush();
  process.exit(1);
};

main().catch((error) => {
  // Only before the logger exists (configuration could not even be read).
  console.error(error);
  process.exit(1);
});

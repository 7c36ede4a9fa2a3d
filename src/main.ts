import { loadConfigOrReport } from './config/config';
import { startApp } from './app';
import { EXIT_STARTUP, StartupError } from './errors/startup-error';
import { createLogger } from './logging/logger';
import { handleStopSignals } from './server/stop-signals';

async function main(): Promise<void> {
  const config = loadConfigOrReport((message) => console.error(message));
  if (!config) process.exit(EXIT_STARTUP);
  const logger = createLogger(config.LOG_LEVEL, {}, undefined, { pretty: prettyLogs(config) });
  try {
    const app = await startApp(config, logger);
    handleStopSignals(app, config.SHUTDOWN_TIMEOUT, logger);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    logger.fatal({ event: 'startup.failed' }, error.message);
    logger.flush();
    process.exit(EXIT_STARTUP);
  }
}

/** Readable lines for a developer at a terminal; JSON everywhere else. */
function prettyLogs(config: { NODE_ENV: string }): boolean {
  return config.NODE_ENV === 'development' && process.stdout.isTTY === true;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import { loadConfigOrReport } from './config/config';
import { startApp } from './app';
import { createLogger } from './logging/logger';

async function main(): Promise<void> {
  const config = loadConfigOrReport((message) => console.error(message));
  if (!config) process.exit(2);
  const logger = createLogger(config.LOG_LEVEL);
  const app = await startApp(config, logger);
  let stopping = false;
  /**
   * SIGTERM (orchestrators) or SIGINT: stop accepting, let in-flight requests finish, close
   * sockets with 1001, stop the backup scheduler, the bus, Redis and the pool — and exit no
   * later than SHUTDOWN_TIMEOUT, whatever still hangs.
   */
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.info(
      { event: 'shutdown.start', signal, deadlineMs: config.SHUTDOWN_TIMEOUT },
      'shutting down',
    );
    const deadline = setTimeout(() => {
      logger.error({ event: 'shutdown.deadline' }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT);
    deadline.unref();
    app.stop().then(
      () => {
        logger.info({ event: 'shutdown.done', durationMs: Date.now() - started }, 'stopped');
        process.exit(0);
      },
      (error) => {
        logger.error({ event: 'shutdown.failed', err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import type { RunningApp } from '../app';
import type { Logger } from '../logging/logger';

/**
 * SIGTERM (orchestrators) or SIGINT (a terminal's Ctrl-C, which npm may forward a second
 * time): one stop — readiness 503 at once, `drainMs` more of serving, then no new connections,
 * every request read answered, sockets closed with 1001, scheduler, bus, Redis and pool
 * closed — then exit 0. Whatever still hangs after `deadlineMs` is cut and the process exits 1.
 */
export function handleStopSignals(
  app: RunningApp,
  { drainMs, deadlineMs }: { drainMs: number; deadlineMs: number },
  logger: Logger,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const started = process.hrtime.bigint();
    const elapsedMs = () => Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
    logger.info({ event: 'shutdown.start', signal, drainMs, deadlineMs }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ event: 'shutdown.deadline', durationMs: elapsedMs() }, 'deadline passed');
      app.server.destroyConnections();
      logger.flush();
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    app.stop(drainMs).then(
      () => {
        logger.info({ event: 'shutdown.done', durationMs: elapsedMs() }, 'stopped');
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ event: 'shutdown.failed', err: error }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

import pino, { Logger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** Paths whose values never reach a log line, wherever they appear. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  '*.authorization',
  'connectionParams',
  '*.connectionParams',
  'password',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  'token',
  '*.token',
  'variables',
  '*.variables',
];

/**
 * JSON logs, one object per line, to stdout (or `destination`, e.g. a test's capture stream).
 * Secrets are redacted wherever they could appear; callers still never log variables.
 * `pretty` (a developer's terminal) prints the same lines readably instead.
 */
export function createLogger(
  level: string,
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
  { pretty: readable = false }: { pretty?: boolean } = {},
): Logger {
  const options = {
    level,
    base: { service: 'teamgraph', ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (destination) return pino(options, destination);
  if (readable)
    return pino(
      options,
      pretty({ sync: true, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l' }),
    );
  return pino(options);
}

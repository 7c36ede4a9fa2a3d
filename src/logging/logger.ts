import pino, { Logger, type DestinationStream } from 'pino';
import pretty, { type PrettyOptions } from 'pino-pretty';

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

/** A developer's terminal: one readable line per entry; the ready line names its URLs. */
const PRETTY: PrettyOptions = {
  sync: true,
  ignore: 'pid,hostname,service,url,playground',
  translateTime: 'SYS:HH:MM:ss.l',
  messageFormat: (log, messageKey) => {
    const message = String(log[messageKey] ?? '');
    if (typeof log.url !== 'string') return message;
    const playground = typeof log.playground === 'string' ? `  playground ${log.playground}` : '';
    return `${message}: API ${log.url}${playground}`;
  },
};

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
  if (readable) return pino(options, pretty(PRETTY));
  return pino(options);
}

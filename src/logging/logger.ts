import pino, { Logger } from 'pino';

export type { Logger };

/** JSON logs; secrets are redacted wherever they could appear. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'teamgraph', ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.currentPassword',
        '*.newPassword',
        '*.token',
        'variables.*',
      ],
      censor: '[redacted]',
    },
  });
}

import { z } from 'zod';
import { parseDurationMs } from './duration';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const parsed = parseDurationMs(value);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (e.g. 3s, 500ms)` });
        return z.NEVER;
      }
      return parsed;
    });

/** Limits of the WebSocket endpoint (live feeds); documented in the README. */
export const liveConfigSchema = {
  /** A socket that sends no `connection_init` within this time is closed (4408). */
  WS_INIT_TIMEOUT: duration('3s'),
  /** Ping interval; a socket that has not answered the previous ping by the next is dropped. */
  WS_KEEPALIVE: duration('12s'),
  /** Operations running at once on one socket; one more closes the socket (4429). */
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).max(1000).default(20),
  /** Open sockets per user on one instance; one more is refused (4429). */
  WS_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(1000).default(10),
};

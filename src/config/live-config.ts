import { z } from 'zod';
import { durationSetting as duration, onOffSetting } from './settings';

/** Limits of the WebSocket endpoint (live feeds); documented in docs/live-feeds.md. */
export const liveConfigSchema = {
  /** A socket that sends no `connection_init` within this time is closed (4408). */
  WS_INIT_TIMEOUT: duration('3s'),
  /** Ping interval; a socket that has not answered the previous ping by the next is dropped. */
  WS_KEEPALIVE: duration('12s'),
  /** Operations running at once on one socket; one more closes the socket (1008). */
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).max(1000).default(20),
  /** Open sockets per user on one instance; one more is refused (1008). */
  WS_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * Audiences: execute a live event once for every subscriber with the same selection and role
   * (off: once per subscriber, the reference the audiences are tested against).
   */
  LIVE_AUDIENCES: onOffSetting('on'),
};

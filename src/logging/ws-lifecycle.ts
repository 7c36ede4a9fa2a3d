import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { openSockets, socketCloses } from '../metrics/ws-metrics';
import type { UnusualActivity } from '../security/unusual-activity';
import type { Logger } from './logger';

/** Close codes that are the server's own doing during a shutdown: not a client's behaviour. */
const SHUTDOWN_CODES = new Set([1001]);

/** A line per WebSocket connect and close, the open-sockets gauge, close-burst detection. */
export function trackSockets(wss: WebSocketServer, logger: Logger, unusual: UnusualActivity): void {
  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    const opened = Date.now();
    const ip = req.socket.remoteAddress ?? 'unknown';
    const peer = { ip, userAgent: req.headers['user-agent'], origin: req.headers.origin };
    openSockets.inc();
    logger.info({ event: 'ws.connect', ...peer }, 'websocket connected');
    socket.once('close', (code: number) => {
      openSockets.dec();
      socketCloses.inc({ code: String(code) });
      logger.info(
        { event: 'ws.close', ...peer, code, durationMs: Date.now() - opened },
        'websocket closed',
      );
      if (!SHUTDOWN_CODES.has(code)) unusual.socketClosed(ip, code);
    });
  });
}

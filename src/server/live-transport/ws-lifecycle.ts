import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { openSockets, socketCloses } from '../../metrics/ws-metrics';
import type { UnusualActivity } from '../security/unusual-activity';

/** Close codes that are the server's own doing during a shutdown: not a client's behaviour. */
const SHUTDOWN_CODES = new Set([1001]);

/**
 * Socket metrics (open sockets, closes by code) and close-burst detection. The connect and
 * close log lines (`ws.connect`, `ws.close`) are written by the WebSocket server itself.
 */
export function trackSockets(wss: WebSocketServer, unusual: UnusualActivity): void {
  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    const ip = req.socket.remoteAddress ?? 'unknown';
    openSockets.inc();
    socket.once('close', (code: number) => {
      openSockets.dec();
      socketCloses.inc({ code: String(code) });
      if (!SHUTDOWN_CODES.has(code)) unusual.socketClosed(ip, code);
    });
  });
}

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Refuses WebSocket upgrades with 503 once shutdown has begun, before the WebSocket server
 * sees them (it then finds the socket closed and drops it). Origins are checked by the
 * WebSocket server itself (src/live/origin-policy.ts).
 */
export function refuseUpgradesWhile(
  server: Server,
  isShuttingDown: () => boolean,
  onRefused: (req: IncomingMessage) => void,
): void {
  server.prependListener('upgrade', (req: IncomingMessage, socket: Duplex) => {
    if (!isShuttingDown()) return;
    onRefused(req);
    socket.end(
      'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
    );
    socket.destroy();
  });
}

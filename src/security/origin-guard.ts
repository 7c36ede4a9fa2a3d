import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Browsers always send Origin on WebSocket upgrades and CORS does not apply to them, so a page
 * on any site could open a socket with a user's token. Allowed: no Origin (native clients), the
 * server's own origin (the playground), and the CORS_ORIGINS allow-list.
 */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowList: readonly string[],
): boolean {
  if (!origin) return true;
  if (allowList.includes(origin)) return true;
  try {
    return Boolean(host) && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function refuse(socket: Duplex, status: 403 | 503, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/**
 * Refuses upgrades at the HTTP level before the WebSocket server sees them (it then finds the
 * socket closed and drops it): foreign origins get 403, and 503 once shutdown has begun.
 */
export function guardUpgrades(
  server: Server,
  allowList: readonly string[],
  isShuttingDown: () => boolean,
  onRefused: (req: IncomingMessage, status: number) => void,
): void {
  server.prependListener('upgrade', (req: IncomingMessage, socket: Duplex) => {
    if (isShuttingDown()) {
      onRefused(req, 503);
      return refuse(socket, 503, 'Service Unavailable');
    }
    if (!isAllowedOrigin(req.headers.origin, req.headers.host, allowList)) {
      onRefused(req, 403);
      return refuse(socket, 403, 'Forbidden');
    }
  });
}

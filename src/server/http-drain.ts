import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpDrain {
  /**
   * Stops listening (new connections are refused), closes idle keep-alive sockets, answers
   * every request already received with `Connection: close` and resolves once every HTTP
   * connection has ended. WebSocket sockets are not counted: their server closes them.
   */
  drain(): Promise<void>;
  /** Cuts whatever is still open (the shutdown deadline's last resort). */
  destroyAll(): void;
}

/** FIN first, so the client sees a clean end; a peer that never closes its side is cut. */
function endGently(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  socket.setTimeout(END_GRACE_MS, () => socket.destroy());
}

const END_GRACE_MS = 2_000;

/**
 * A graceful stop for keep-alive HTTP: a client whose request was received gets its full
 * answer, and no socket is reset between a committed mutation and its response. Requests are
 * tracked from the moment Node parsed their head, so "received" means exactly that.
 */
export function trackHttpConnections(server: Server): HttpDrain {
  const sockets = new Set<Socket>();
  /** Requests received whose response has not finished, per socket. */
  const busy = new Map<Socket, Set<ServerResponse>>();
  let draining = false;
  let allEnded: (() => void) | null = null;

  const settle = () => {
    if (draining && sockets.size === 0) allEnded?.();
  };
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
      settle();
    });
  });
  // An upgraded socket belongs to the WebSocket server from now on.
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
    sockets.delete(socket);
    busy.delete(socket);
    settle();
  });
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const open = busy.get(socket) ?? new Set<ServerResponse>();
    busy.set(socket, open.add(res));
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      open.delete(res);
      if (open.size > 0) return;
      busy.delete(socket);
      // Answered: during a drain the socket goes as soon as it carries nothing.
      if (draining) endGently(socket);
    });
  });

  return {
    drain() {
      if (draining) return Promise.resolve();
      draining = true;
      const ended = new Promise<void>((resolve) => (allEnded = resolve));
      server.close();
      for (const socket of sockets) if (!busy.has(socket)) endGently(socket);
      // Requests in flight whose headers are not yet out close their socket after answering.
      for (const open of busy.values())
        for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
      settle();
      return ended;
    },
    destroyAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

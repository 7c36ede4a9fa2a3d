import { Server as NetServer, type Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

export interface HttpDrain {
  /**
   * From now on every answer tells a keep-alive client that its connection ends with it
   * (`Connection: close`); the server keeps accepting and serving.
   */
  announce(): void;
  /** Stops listening: new connections are refused; those the kernel completed are taken. */
  stopAccepting(): Promise<void>;
  /**
   * Stops accepting, closes idle keep-alive sockets, answers every request already read and
   * resolves once every HTTP connection has ended. WebSocket sockets are not counted: their
   * server closes them.
   */
  drain(): Promise<void>;
  /** Cuts whatever is still open (the shutdown deadline's last resort). */
  destroyAll(): void;
}

/** What one connection carries: the answers it owes, in the order their requests came. */
interface Connection {
  open: Set<ServerResponse>;
  newest: ServerResponse | null;
  /** An answer that ends the connection is out (or the socket was ended): nothing more runs. */
  closing: boolean;
}

/** FIN first, so the client sees a clean end; a peer that never closes its side is cut. */
function endGently(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  socket.setTimeout(END_GRACE_MS, () => socket.destroy());
}

const END_GRACE_MS = 2_000;

/** One turn of the event loop, whose poll phase accepts and reads what has already arrived. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Turns waited at most for what has already arrived (the loop may take one at a time). */
const MAX_SETTLING_TURNS = 256;

const endsConnection = (res: ServerResponse) =>
  !res.shouldKeepAlive || /close/i.test(String(res.getHeader('connection') ?? ''));

/**
 * Serves `handler` on `server` with a graceful stop for keep-alive HTTP: every request the
 * server has read gets its full answer, and no request runs whose answer could not reach its
 * client, so a committed mutation is never followed by a reset. Requests are tracked from the
 * moment Node parsed their head, so "read" means exactly that.
 */
export function serveWithDrain(server: Server, handler: RequestListener): HttpDrain {
  const connections = new Map<Socket, Connection>();
  let announced = false;
  let draining = false;
  let listenerClosed: Promise<void> | null = null;
  let allEnded: (() => void) | null = null;
  /** Connections accepted and requests read so far: a turn that changes it took something in. */
  let arrivals = 0;
  /** Turns of the loop until one takes nothing new in (at least two: accept, then read). */
  const untilQuiet = async () => {
    let seen = -1;
    for (let turn = 0; turn < MAX_SETTLING_TURNS && (seen !== arrivals || turn < 2); turn += 1) {
      seen = arrivals;
      await nextTurn();
    }
  };

  const endIfDrained = () => {
    if (draining && connections.size === 0) allEnded?.();
  };
  // Requests arrive on the TLS socket when there is one, not on the TCP socket beneath it.
  const opened = server instanceof TlsServer ? 'secureConnection' : 'connection';
  server.on(opened, (socket: Socket) => {
    arrivals += 1;
    connections.set(socket, { open: new Set(), newest: null, closing: false });
    socket.once('close', () => {
      connections.delete(socket);
      endIfDrained();
    });
  });
  // An upgraded socket belongs to the WebSocket server from now on.
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
    connections.delete(socket);
    endIfDrained();
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    arrivals += 1;
    const socket = req.socket;
    const connection = connections.get(socket);
    if (!connection) return handler(req, res);
    // A pipelined request behind an answer that ends the connection: that answer could never
    // be sent, so the request does not run (its client learns so from the closed connection).
    if (connection.closing) return;
    connection.open.add(res);
    connection.newest = res;
    // Only the last answer a connection owes may end it: one before it would cut the rest.
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      if (announced && connection.newest === res && !res.headersSent)
        res.setHeader('connection', 'close');
      const result = Reflect.apply(writeHead, this, args) as ServerResponse;
      if (endsConnection(res)) connection.closing = true;
      return result;
    } as typeof res.writeHead;
    res.once('close', () => {
      connection.open.delete(res);
      if (connection.open.size > 0) return;
      // Answered: once the server stops accepting, the socket goes as soon as it carries nothing.
      if (draining) endIdle(socket, connection);
    });
    handler(req, res);
  });

  const endIdle = (socket: Socket, connection: Connection) => {
    connection.closing = true;
    endGently(socket);
  };

  return {
    announce() {
      announced = true;
    },
    stopAccepting() {
      listenerClosed ??= (async () => {
        announced = true;
        // Connections the kernel has already completed are accepted before the listener goes.
        await untilQuiet();
        // net's close, not http's: http's also destroys every connection without a request in
        // progress, including fresh ones whose request has arrived but is not read yet.
        NetServer.prototype.close.call(server);
      })();
      return listenerClosed;
    },
    async drain() {
      if (draining) return;
      draining = true;
      const ended = new Promise<void>((resolve) => (allEnded = resolve));
      await this.stopAccepting();
      // Requests already sent on open connections are read (and then answered) first.
      await untilQuiet();
      for (const [socket, connection] of connections)
        if (connection.open.size === 0) endIdle(socket, connection);
      endIfDrained();
      return ended;
    },
    destroyAll() {
      for (const socket of connections.keys()) socket.destroy();
    },
  };
}

import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../logging/logger';
import { requestIdOf } from '../access-log';
import { CLOSE_GOING_AWAY } from './close-codes';
import { startWriting, writerOf } from './socket-writer';

/** What graphql-ws hands to our hooks as `ctx.extra` (the same shape as its own ws adapter). */
export interface SocketExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/** ws's own codes for a peer that broke the protocol (oversized frame, bad opcode, …). */
const isClientFault = (error: Error & { code?: string }) =>
  typeof error.code === 'string' && error.code.startsWith('WS_ERR_');

/**
 * graphql-ws on a `ws` server, like its bundled adapter but with every socket and server error
 * going through our logger as one JSON line: a client's protocol fault (a frame over the size
 * limit) is a warning without a stack — ws has already closed that socket with the right code —
 * and only our own failures are errors (with a stack) and close the socket with 4500.
 */
export function serveGraphqlWs<P extends Record<string, unknown>>(
  options: ServerOptions<P, SocketExtra>,
  wss: WebSocketServer,
  keepAliveMs: number,
  logger: Logger,
): { dispose(): Promise<void> } {
  const server = makeServer<P, SocketExtra>(options);
  wss.options.handleProtocols = handleProtocols;
  wss.on('error', (error) =>
    logger.error(
      { event: 'ws.server_error', requestId: null, err: error },
      'websocket server error',
    ),
  );
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const writer = startWriting(socket, request);
    const ip = request.socket.remoteAddress ?? 'unknown';
    // The upgrade request's id names every line about this socket.
    const requestId = requestIdOf(request.headers['x-request-id']);
    socket.on('error', (error: Error & { code?: string }) => {
      if (isClientFault(error)) {
        logger.warn(
          { event: 'ws.client_error', requestId, ip, code: error.code, reason: error.message },
          'websocket closed: client broke the protocol',
        );
        return;
      }
      logger.error(
        { event: 'ws.socket_error', requestId, ip, err: error },
        'websocket socket error',
      );
      writer.close(CloseCode.InternalServerError, 'Internal server error');
    });

    // A socket that misses a pong by the next ping is dropped.
    let pongWait: NodeJS.Timeout | null = null;
    const ping =
      keepAliveMs > 0 && Number.isFinite(keepAliveMs)
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => writer.terminate(), keepAliveMs);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            writer.ping();
          }, keepAliveMs)
        : null;

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => writer.send(data),
        close: (code, reason) => writer.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data: Buffer) => {
            // Refused by an earlier listener (a malformed frame): the socket is closing.
            if (socket.readyState !== socket.OPEN) return;
            try {
              await handle(String(data));
            } catch (error) {
              logger.error(
                { event: 'ws.message_error', requestId, ip, err: error },
                'websocket message handling failed',
              );
              writer.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request },
    );
    socket.once('close', (code: number, reason: Buffer) => {
      if (pongWait) clearTimeout(pongWait);
      if (ping) clearInterval(ping);
      void closed(code, String(reason));
    });
  });
  return {
    async dispose() {
      for (const client of wss.clients) writerOf(client).close(CLOSE_GOING_AWAY, 'Going away');
      await new Promise<void>((resolve, reject) =>
        wss.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

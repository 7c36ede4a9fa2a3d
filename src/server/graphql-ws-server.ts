import type { Server as HttpServer } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Viewer } from '../accounts/session.service';
import { createContext } from '../context/create-context';
import type { Services } from '../services';

/** What graphql-ws keeps per socket. */
export interface SocketState {
  viewer: Viewer | null;
  authorization: string | null;
  ip: string;
  userAgent: string | null;
}

/**
 * graphql-ws on the HTTP server's port and path. The bearer token comes from the
 * `connection_init` payload; a bad or revoked token is refused with 4403.
 */
export function attachGraphqlWs(httpServer: HttpServer, schema: GraphQLSchema, services: Services) {
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    perMessageDeflate: false,
    maxPayload: 64 * 1024,
  });
  const state = new WeakMap<object, SocketState>();
  const disposable = useServer(
    {
      schema,
      connectionInitWaitTimeout: 3_000,
      onConnect: async (ctx) => {
        const payload = ctx.connectionParams ?? {};
        const authorization = typeof payload.authorization === 'string' ? payload.authorization : null;
        const request = ctx.extra.request;
        const socketState: SocketState = {
          viewer: null,
          authorization,
          ip: request.socket.remoteAddress ?? 'unknown',
          userAgent: request.headers['user-agent'] ?? null,
        };
        if (authorization) {
          const context = await createContext(services, { ...socketState, authorization });
          if (!context.viewer) return false; // 4403 Forbidden
          socketState.viewer = context.viewer;
        }
        state.set(ctx.extra.socket, socketState);
        return true;
      },
      context: (ctx) => {
        const socketState = state.get(ctx.extra.socket);
        return createContext(services, {
          authorization: socketState?.authorization ?? null,
          ip: socketState?.ip ?? 'unknown',
          userAgent: socketState?.userAgent ?? null,
        });
      },
    },
    wss,
  );
  return {
    wss,
    async close(): Promise<void> {
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      await disposable.dispose();
    },
  };
}

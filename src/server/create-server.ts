import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { Context } from '../context/context';
import { createContext } from '../context/create-context';
import { buildSchema } from '../graphql/build-schema';
import type { Services } from '../services';
import { formatError } from './format-error';
import { attachGraphqlWs } from './graphql-ws-server';
import { loggingPlugin } from './logging-plugin';

export interface TeamgraphServer {
  httpServer: HttpServer;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

/** HTTP (Apollo) and WebSocket (graphql-ws) on one port, both at /graphql. */
export async function createServer(services: Services): Promise<TeamgraphServer> {
  const { config } = services;
  const isDevelopment = config.NODE_ENV !== 'production';
  const schema = buildSchema();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const httpServer = createHttpServer(app);
  const ws = attachGraphqlWs(httpServer, schema, services);

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: isDevelopment,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: !isDevelopment,
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      loggingPlugin(),
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await services.dataSource.query('SELECT 1');
      res.json({ status: 'ready', database: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'down' });
    }
  });
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        createContext(services, {
          authorization: req.headers.authorization,
          ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
          userAgent: req.headers['user-agent'] ?? null,
          requestId: typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 100) : undefined,
        }),
    }),
  );

  return {
    httpServer,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const { port: actual } = httpServer.address() as AddressInfo;
          resolve(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}/graphql`);
        });
      }),
    async close() {
      await ws.close();
      await apollo.stop();
    },
  };
}

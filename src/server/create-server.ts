import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import compression from 'compression';
import cors from 'cors';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import helmet from 'helmet';
import { introspectionEnabled, playgroundEnabled } from '../config/edge-config';
import type { Context } from '../../resolvers/context';
import { createContext } from './create-context';
import { ErrorCode } from '../errors/error-codes';
import { buildSchema, buildSchemaWithoutPermissions } from './graphql/build-schema';
import { accessLog } from './access-log';
import { socketOperationHooks } from './socket-operations';
import { trackSockets } from './live-transport/ws-lifecycle';
import { trackDbPool } from '../metrics/db-pool-metrics';
// Registers the database retry counters for /metrics.
import '../metrics/db-retry-metrics';
import { trackReadiness } from '../metrics/readiness-metrics';
import { favicon } from './playground/favicon';
import { playgroundRouter } from './playground/playground';
import type { RedisConnection } from '../redis/redis-client';
import { RedisKeyValueCache } from '../redis/redis-key-value-cache';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { TrustedDocuments } from './security/trusted-documents';
import { requireTrustedDocuments } from './security/trusted-documents.middleware';
import { apolloArmor, PARSE_OPTIONS, VALIDATION_OPTIONS } from './security/armor';
import { boundedDocumentRule } from './security/document-bounds';
import { oncePerRequestRule } from './security/once-per-request';
import { limitBody } from './security/body-limit';
import { boundRequestValues } from './security/request-values.middleware';
import { refuseUpgradesWhile } from './security/shutdown-guard';
import { UnusualActivity } from './security/unusual-activity';
import type { Services } from '../services';
import { idempotencyPlugin, IDEMPOTENCY_HEADER, REPLAYED_HEADER } from './idempotency.plugin';
import { startIdempotencyPruner } from '../idempotency/idempotency-pruner';
import { clientIp, type TrustProxy } from './client-ip';
import { errorFormatter } from './format-error';
import { webAppRouter } from './web-app';
import { attachGraphqlWs } from './live-transport/graphql-ws-server';
import { serveWithDrain } from './http-drain';
import { loggingPlugin } from './logging-plugin';
import { subscriptionOverGetPlugin } from './subscription-over-get.plugin';
import { noStorePlugin } from './no-store.plugin';
import { RATE_LIMIT_HEADERS, rateLimitHeadersPlugin } from './rate-limit-headers.plugin';
import { timeLimitPlugin } from './time-limit.plugin';
import { tracingPlugin } from './tracing.plugin';
import { leaveUnsampledSpan } from '../tracing/unsampled-trace';
import { operationGuardsPlugin } from './operation-guards.plugin';
import { operatorRouter } from './operator-router';
import { readinessCheck } from './readiness';
import { apolloLogger } from './apollo-logger';
import { answerClientErrors, unexpectedHttpErrors } from './http-faults';
import { inRequestScope } from '../logging/request-scope';

export interface TeamgraphServer {
  httpServer: HttpServer;
  unusualActivity: UnusualActivity;
  listen(port: number, host: string): Promise<string>;
  /**
   * Reports not ready at once and keeps serving for `drainMs` (answers now carry
   * `Connection: close`), then stops accepting, closes WebSocket sockets with 1001, answers
   * every HTTP request already read and stops Apollo.
   */
  close(drainMs?: number): Promise<void>;
  /** Cuts every connection still open (the shutdown deadline's last resort). */
  destroyConnections(): void;
}

export interface ServerOptions {
  /** Shared Redis connection: persisted-query cache and readiness (REDIS_URL or a cluster). */
  redis?: RedisConnection | null;
}

/** Request bodies above this are refused with 413 while streaming, never read to the end. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Smaller answers go out as they are. A gzip stream costs about 0.1–0.2 ms of CPU whatever the
 * size (its set-up dominates below a few KiB: 3–6 % of a whole team query), while an answer
 * under 8 KiB fits TCP's initial congestion window (10 segments) and so arrives in the same
 * round trip either way.
 */
export const COMPRESSION_THRESHOLD_BYTES = 8 * 1024;

const jsonError = (status: number, message: string, code: string = ErrorCode.BAD_USER_INPUT) => ({
  status,
  body: { errors: [{ message, extensions: { code } }] },
});

/** The `charset` parameter of a content type, lower-cased; null when there is none. */
const charsetOf = (contentType: string | undefined): string | null =>
  /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1]?.toLowerCase() ?? null;

/**
 * POSTs must be JSON: a form or text/plain post is what a CSRF attempt looks like. Their bodies
 * are UTF-8: another charset (the JSON parser would decode UTF-7 or UTF-16) is 415.
 */
const requireJsonPost: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next();
  const reply = !req.is('application/json')
    ? jsonError(400, 'POST requests need content-type: application/json.')
    : ![null, 'utf-8', 'utf8'].includes(charsetOf(req.headers['content-type']))
      ? jsonError(415, 'Request bodies are JSON in UTF-8 (charset=utf-8 or none).')
      : null;
  if (!reply) return next();
  res.status(reply.status).json(reply.body);
};

/**
 * Body-parser failures (too large, not JSON) as GraphQL-shaped errors without internals; any
 * other error goes on to the last handler, which logs it (unexpectedHttpErrors).
 */
const bodyErrors: ErrorRequestHandler = (
  error: { type?: string; status?: number },
  _req,
  res,
  next,
) => {
  const clientFault = error.status !== undefined && error.status >= 400 && error.status < 500;
  if (res.headersSent || !clientFault) return next(error);
  const reply =
    error.type === 'entity.too.large'
      ? jsonError(413, `Request body over ${MAX_BODY_BYTES} bytes.`)
      : jsonError(400, 'Malformed request body.');
  res.status(reply.status).json(reply.body);
};

/** HTTP(S) (Apollo) and WebSocket (graphql-ws) on one port, both at /graphql. */
export async function createServer(
  services: Services,
  options: ServerOptions = {},
): Promise<TeamgraphServer> {
  const { config, logger } = services;
  const production = config.NODE_ENV === 'production';
  const redis = options.redis ?? null;
  const tls =
    config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) }
      : null;
  // BENCH_SKIP_PERMISSIONS exists only to measure the permission layer; refused in production.
  const schema = config.BENCH_SKIP_PERMISSIONS ? buildSchemaWithoutPermissions() : buildSchema();
  if (config.BENCH_SKIP_PERMISSIONS)
    logger.warn('BENCH_SKIP_PERMISSIONS=on: serving WITHOUT the permission map');
  const unusual = new UnusualActivity(logger);
  const trustedDocuments = TrustedDocuments.load(config.TRUSTED_DOCUMENTS === 'require');
  let shuttingDown = false;
  /** False once a stop's drain period is over: no new connections or WebSocket upgrades. */
  let accepting = true;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  // node:https's Server is a tls.Server with the same request/upgrade API as http.Server; the
  // WebSocket and drain helpers are typed for the latter only.
  const httpServer = (tls ? createHttpsServer(tls) : createHttpServer()) as HttpServer;
  refuseUpgradesWhile(
    httpServer,
    () => !accepting,
    (req) =>
      logger.info(
        { event: 'ws.refused', ip: req.socket.remoteAddress },
        'upgrade refused: stopping',
      ),
  );
  httpServer.on('clientError', answerClientErrors(logger));
  const drain = serveWithDrain(httpServer, app);
  const trustProxy = app.get('trust proxy fn') as TrustProxy;
  const ws = attachGraphqlWs(
    httpServer,
    schema,
    services,
    socketOperationHooks(unusual, logger, { hideSuggestions: production }),
    (request) => clientIp(request, trustProxy),
    trustedDocuments,
  );
  trackSockets(ws.wss, unusual);
  const untrackPool = trackDbPool(services.dataSource);
  const readiness = readinessCheck({
    dataSource: services.dataSource,
    redis,
    stopping: () => shuttingDown,
  });
  const readyMetric = trackReadiness(readiness);

  const armor = apolloArmor({ blockSuggestions: production });
  const stopPruning = startIdempotencyPruner(services.idempotency, logger);
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: introspectionEnabled(config),
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production,
    formatError: errorFormatter({ hideSuggestions: production }),
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // The bounds pass comes before the other project rules and hides a refused document from
    // them all (graphql-js's own rules only see its root before that).
    validationRules: [boundedDocumentRule(), ...armor.validationRules, oncePerRequestRule],
    parseOptions: PARSE_OPTIONS,
    validationOptions: VALIDATION_OPTIONS,
    // Automatic persisted queries: shared by every instance through Redis when configured,
    // behind the manifest of first-party operations (trusted documents).
    persistedQueries: {
      cache: trustedDocuments.persistedQueryCache(
        redis ? new RedisKeyValueCache(redis) : new InMemoryLRUCache<string>(),
      ),
    },
    // The process owns its signals (src/main.ts): a second stop on top of Apollo's never ends.
    stopOnTerminationSignals: false,
    logger: apolloLogger(logger),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      tracingPlugin(),
      noStorePlugin(),
      rateLimitHeadersPlugin(),
      timeLimitPlugin(),
      loggingPlugin(logger, unusual),
      subscriptionOverGetPlugin(),
      operationGuardsPlugin(),
      idempotencyPlugin(services.idempotency),
      ...armor.plugins,
    ],
  });
  await apollo.start();

  app.use(accessLog(logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // GraphiQL sets style attributes at run time.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          workerSrc: ["'self'", 'blob:'],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
      // Only meaningful (and only honoured by browsers) on a TLS response.
      strictTransportSecurity: tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginEmbedderPolicy: false,
    }),
  );
  const allowedOrigins = new Set(config.CORS_ORIGINS);
  app.use(
    cors({
      origin: (origin, callback) => callback(null, Boolean(origin && allowedOrigins.has(origin))),
      methods: ['GET', 'POST'],
      allowedHeaders: [
        'authorization',
        'content-type',
        'apollo-require-preflight',
        'x-apollo-operation-name',
        'x-request-id',
        IDEMPOTENCY_HEADER,
      ],
      exposedHeaders: ['x-request-id', REPLAYED_HEADER, ...Object.values(RATE_LIMIT_HEADERS)],
      maxAge: 600,
    }),
  );
  app.use(compression({ threshold: COMPRESSION_THRESHOLD_BYTES }));

  if (production && !config.METRICS_TOKEN) {
    logger.warn(
      { event: 'metrics.public' },
      '/metrics is open to anyone who can reach this port; set METRICS_TOKEN or restrict it',
    );
  }
  app.use(
    operatorRouter({
      readiness,
      observeReadiness: readyMetric.observe,
      metricsToken: config.METRICS_TOKEN,
    }),
  );
  app.get('/favicon.ico', favicon);
  if (playgroundEnabled(config)) app.use(playgroundRouter());
  app.use(
    '/graphql',
    requireJsonPost,
    limitBody(MAX_BODY_BYTES),
    express.json({ limit: MAX_BODY_BYTES }),
    boundRequestValues,
    ...(trustedDocuments.required ? [requireTrustedDocuments(trustedDocuments)] : []),
    // Apollo's own log lines name the request (apollo-logger.ts).
    (_req, res, next) => inRequestScope(res.locals.requestId as string, next),
    // A request the sampler dropped makes no span below this point, nor any SQL span.
    (_req, _res, next) => leaveUnsampledSpan(next),
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        createContext(services, {
          authorization: req.headers.authorization,
          ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
          userAgent: req.headers['user-agent'] ?? null,
          requestId: res.locals.requestId as string,
        }),
    }),
  );
  app.use(bodyErrors);
  app.use(webAppRouter(config.WEB_DIR));
  app.use(unexpectedHttpErrors(logger));

  return {
    httpServer,
    unusualActivity: unusual,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const { port: actual } = httpServer.address() as AddressInfo;
          const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
          resolve(`${tls ? 'https' : 'http'}://${shown}:${actual}/graphql`);
        });
      }),
    async close(drainMs = 0) {
      shuttingDown = true;
      readyMetric.stop();
      drain.announce();
      // Load balancers take this long to see the 503 and stop sending.
      if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
      accepting = false;
      await drain.stopAccepting();
      logger.info({ event: 'shutdown.closing', drainMs }, 'no longer accepting connections');
      await Promise.all([drain.drain(), ws.close()]);
      await apollo.stop();
      stopPruning();
      untrackPool();
    },
    destroyConnections: () => {
      drain.destroyAll();
      ws.terminateAll();
    },
  };
}

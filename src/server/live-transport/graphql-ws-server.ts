import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { getOperationAST, GraphQLError } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Viewer } from '../../accounts/session.service';
import { introspectionEnabled } from '../../config/edge-config';
import { createContext, resolveViewer } from '../create-context';
import { ErrorCode } from '../../errors/error-codes';
import { isRateLimited } from '../../errors/errors';
import { userChannel } from '../../events/domain-events';
import type { EventBus } from '../../events/event-bus';
import { audienceKey } from '../../live/audience-key';
import type { LiveTransport } from '../../live/live-transport';
import { isAllowedOrigin } from '../../live/origin-policy';
import { runAt } from '../../live/run-at';
import { AnonymousSockets, ConnectionCounter } from '../../live/socket-limits';
import { chargeOperation, type OperationCharge } from '../../rate-limit/cost-budget';
import { validateOperation } from '../security/operation-validation';
import { MAX_VALUE_DEPTH, nestsDeeperThan } from '../security/request-values';
import type { TrustedDocuments } from '../security/trusted-documents';
import type { Services } from '../../services';
import { CLOSE_BAD_REQUEST, CLOSE_FORBIDDEN, CLOSE_GOING_AWAY, CLOSE_POLICY } from './close-codes';
import { serveGraphqlWs } from './graphql-ws-adapter';
import { startWriting, writerOf, type SocketWriter } from './socket-writer';
import { SubscriptionOutlet } from './subscription-outlet';
import { SocketOperationSpans } from '../socket-operation-spans';

/** What graphql-ws keeps per socket. */
export interface SocketState {
  viewer: Viewer | null;
  authorization: string | null;
  ip: string;
  userAgent: string | null;
  /** Gives back what the socket claimed (session watch, connection count) when it closes. */
  release: () => void;
}

/** What an open socket claims until it closes; `ready` once its session watch is in place. */
interface SocketClaim {
  release: () => void;
  ready?: Promise<void>;
}

/** An anonymous socket claims nothing. */
const NOTHING_CLAIMED: SocketClaim = { release: () => undefined };

/** Frames over this are refused by ws (the socket is closed with 1009). */
export const WS_MAX_PAYLOAD = 64 * 1024;

/** How long a socket closed by a stop may take to answer the close frame before it is cut. */
export const SHUTDOWN_CLOSE_TIMEOUT_MS = 1_000;

/** Message types only a server sends; graphql-ws would answer them from a client with 4500. */
const SERVER_ONLY_TYPES = new Set(['connection_ack', 'next', 'error']);

/**
 * Frames that break the protocol are a bad request (4400), like any other malformed frame,
 * not a server error: a message only servers send, or any message but `subscribe` nested
 * deeper than a request's values may be (graphql-ws echoes a ping's payload through
 * JSON.stringify, which recurses). A `subscribe` is bounded in onSubscribe instead, where its
 * refusal can name the variable. Runs before graphql-ws sees the frame; a frame that closed
 * its socket is not handled further (graphql-ws-adapter.ts).
 */
function refuseMalformedFrames(socket: WebSocket, writer: SocketWriter): void {
  socket.prependListener('message', (data) => {
    let message: { type?: unknown } | null;
    try {
      message = JSON.parse(String(data)) as { type?: unknown } | null;
    } catch {
      return; // graphql-ws answers unparsable frames with 4400 itself.
    }
    const type = message?.type;
    const serverOnly = typeof type === 'string' && SERVER_ONLY_TYPES.has(type);
    if (serverOnly || (type !== 'subscribe' && nestsDeeperThan(message, MAX_VALUE_DEPTH))) {
      writer.close(CLOSE_BAD_REQUEST, 'Invalid message received');
    }
  });
}

/** The `connection_init` payload's token: null when there is none, undefined when malformed. */
function connectionToken(params: Record<string, unknown> | undefined): string | null | undefined {
  const authorization = params?.authorization;
  if (authorization == null) return null;
  return typeof authorization === 'string' ? authorization : undefined;
}

/**
 * Closes the socket with 4403 when its session is revoked (on any instance: the revocation
 * travels on the user's channel) or expires. `ready`: revocations published from then on
 * reach the watch.
 */
function watchSession(writer: SocketWriter, viewer: Viewer, bus: EventBus) {
  const forbid = () => writer.close(CLOSE_FORBIDDEN, 'Forbidden');
  const unsubscribe = bus.subscribe(userChannel(viewer.user.id), (event) => {
    if (event.kind === 'sessions-revoked' && event.sessionIds.includes(viewer.session.id)) forbid();
  });
  const cancelExpiry = runAt(viewer.session.expiresAt, forbid);
  return {
    ready: unsubscribe.ready,
    stop: () => {
      unsubscribe();
      cancelExpiry();
    },
  };
}

/**
 * graphql-ws on the HTTP server's port and path. Browser origins are checked at the upgrade;
 * the bearer token comes from the `connection_init` payload (a bad or revoked token: 4403);
 * a socket whose session is revoked later is closed with 4403 on every instance, because the
 * revocation travels on the user's bus channel.
 */
export function attachGraphqlWs(
  httpServer: HttpServer,
  schema: GraphQLSchema,
  services: Services,
  /** Hooks from the server's edge (socket operation logging and error masking). */
  edgeHooks: Pick<ServerOptions, 'onNext' | 'onError'>,
  /** The client address by the same TRUST_PROXY rule as HTTP. */
  ipOf: (request: IncomingMessage) => string,
  /** The manifest of first-party operations, and whether only those run. */
  trustedDocuments: TrustedDocuments,
) {
  const { config, bus, logger } = services;
  const log = logger.child({ component: 'websocket' });
  const production = config.NODE_ENV === 'production';
  const connections = new ConnectionCounter();
  const anonymous = new AnonymousSockets(
    services.rateLimits.isEnabled ? config.WS_MAX_ANONYMOUS_PER_IP : Infinity,
  );
  const operationPolicy = {
    introspection: introspectionEnabled(config),
    blockSuggestions: production,
  };
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    perMessageDeflate: false,
    maxPayload: WS_MAX_PAYLOAD,
    verifyClient: (info, done) => {
      if (isAllowedOrigin(info.origin, info.req.headers.host, config.CORS_ORIGINS, production)) {
        done(true);
        return;
      }
      log.warn(
        { origin: info.origin, ip: info.req.socket.remoteAddress },
        'websocket origin refused',
      );
      done(false, 403, 'Origin not allowed');
    },
  });
  const state = new WeakMap<object, SocketState>();
  /** Each operation's charge, by the execution arguments onSubscribe hands to `context`. */
  const charges = new WeakMap<object, OperationCharge>();
  /** Each operation's document text (a document sent by its hash has none in its payload). */
  const texts = new WeakMap<object, string>();

  // The live feeds' side of these sockets: after a bus outage the hub re-checks every signed-in
  // socket's session along with the feeds' memberships (revocations may have been missed).
  const transport: LiveTransport = {
    signedInSockets: () =>
      [...wss.clients].flatMap((socket) => {
        const viewer = state.get(socket)?.viewer;
        if (!viewer) return [];
        const forbid = () => writerOf(socket).close(CLOSE_FORBIDDEN, 'Forbidden');
        return [{ sessionId: viewer.session.id, endSession: forbid }];
      }),
  };
  const disconnectTransport = services.audienceHub.connect(transport);

  wss.on('connection', (socket: WebSocket, request) => {
    const ip = ipOf(request);
    // Registered first: from here every write to this socket goes through its writer.
    const writer = startWriting(socket, request);
    refuseMalformedFrames(socket, writer);
    log.info({ event: 'ws.connect', ip }, 'websocket connected');
    socket.once('close', (code) => {
      anonymous.release(socket);
      state.get(socket)?.release();
      log.info(
        { event: 'ws.close', ip, code, userId: state.get(socket)?.viewer?.user.id },
        'websocket closed',
      );
    });
    if (!anonymous.tryAcquire(socket, ip)) {
      log.warn({ event: 'ws.anonymous_cap', ip }, 'websocket refused: too many anonymous sockets');
      writer.close(CLOSE_POLICY, 'Too many anonymous connections');
    }
  });

  /**
   * What an authenticated socket claims while open: one of its user's connection slots and a
   * watch on its session. Null when the socket already went or the user is over the cap.
   */
  const claimFor = (socket: WebSocket, viewer: Viewer): SocketClaim | null => {
    if (socket.readyState !== socket.OPEN) return null;
    if (!connections.tryAcquire(viewer.user.id, config.WS_MAX_CONNECTIONS_PER_USER)) {
      writerOf(socket).close(CLOSE_POLICY, 'Too many connections');
      return null;
    }
    const watch = watchSession(writerOf(socket), viewer, bus);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      watch.stop();
      connections.release(viewer.user.id);
    };
    return { release, ready: watch.ready };
  };

  /**
   * Once the watch is in place: the session was not revoked meanwhile, and the socket is open.
   * A revocation published after the read but before the watch was in place would be missed.
   * The session cache proves none was when it watched this user from before the read
   * (`readAt`); otherwise the session is read again, batched with other sockets.
   */
  const stillAllowed = async (
    socket: WebSocket,
    viewer: Viewer,
    readAt: ReturnType<Services['sessionCache']['ticket']>,
    watching?: Promise<void>,
  ) => {
    await watching;
    const active =
      services.sessionCache.quietSince(viewer.user.id, readAt) ||
      (await services.liveReads.liveSessions.load(viewer.session.id)) !== null;
    return active && socket.readyState === socket.OPEN;
  };

  const spans = new SocketOperationSpans();
  const disposable = serveGraphqlWs(
    {
      ...edgeHooks,
      schema,
      execute: spans.execute,
      subscribe: spans.subscribe,
      connectionInitWaitTimeout: config.WS_INIT_TIMEOUT,
      onConnect: async (ctx) => {
        const { request, socket } = ctx.extra;
        const authorization = connectionToken(ctx.connectionParams);
        // Present but not a string: a broken or hostile client, not an anonymous one.
        if (authorization === undefined) return false;
        const peer = {
          authorization,
          ip: ipOf(request),
          userAgent: request.headers['user-agent'] ?? null,
        };
        // Taken before the session is read; see stillAllowed.
        const readAt = services.sessionCache.ticket();
        let viewer: Viewer | null;
        try {
          viewer = authorization ? await resolveViewer(services, authorization, peer.ip) : null;
        } catch (error) {
          if (!isRateLimited(error)) throw error;
          // The address spent its budget of invalid tokens: refused before the session read.
          writerOf(socket).close(CLOSE_POLICY, 'Too many invalid tokens');
          return false;
        }
        if (authorization && !viewer) return false; // 4403 Forbidden
        const claim = viewer ? claimFor(socket, viewer) : NOTHING_CLAIMED;
        if (!claim) return false;
        // Signed in: from now on the user's cap counts this socket, not its address's.
        if (viewer) anonymous.release(socket);
        // From here the socket's close handler releases what it claimed, whenever it closes.
        state.set(socket, { ...peer, viewer, release: claim.release });
        if (!viewer || (await stillAllowed(socket, viewer, readAt, claim.ready))) return true;
        claim.release();
        return false;
      },
      onSubscribe: (ctx, _id, payload) =>
        spans.checked(async () => {
          // The new operation is already counted in ctx.subscriptions.
          if (Object.keys(ctx.subscriptions).length > config.WS_MAX_SUBSCRIPTIONS_PER_SOCKET) {
            writerOf(ctx.extra.socket).close(CLOSE_POLICY, 'Too many subscriptions');
            return [
              new GraphQLError('Too many operations on this connection.', {
                extensions: { code: ErrorCode.BAD_USER_INPUT },
              }),
            ];
          }
          // The same bounds on JSON values, parse limits, validation rules, introspection policy, variable coercion
          // and cost budget as HTTP (Apollo), with the same codes.
          const trusted = trustedDocuments.resolve(payload.query, payload.extensions);
          if ('error' in trusted) return [trusted.error];
          const checked = validateOperation(
            schema,
            { ...payload, query: trusted.query },
            operationPolicy,
          );
          if (checked.errors) return checked.errors;
          // Charged once, as over HTTP; a subscription's live events are not charged.
          const socketState = state.get(ctx.extra.socket);
          const { charge, refusal } = await chargeOperation(
            services.rateLimits,
            socketState?.viewer ?? null,
            socketState?.ip ?? 'unknown',
            checked.cost,
          );
          if (refusal) return [refusal];
          const args = {
            schema,
            document: checked.document,
            operationName: payload.operationName,
            variableValues: payload.variables,
          };
          charges.set(args, charge);
          texts.set(args, trusted.query);
          return args;
        }),
      context: async (ctx, id, payload, args) => {
        const socketState = state.get(ctx.extra.socket);
        const subscription =
          getOperationAST(args.document, args.operationName)?.operation === 'subscription';
        const context = await createContext(services, {
          authorization: socketState?.authorization ?? null,
          ip: socketState?.ip ?? 'unknown',
          userAgent: socketState?.userAgent ?? null,
          // A subscription uses the session the socket resolved; every event re-checks it.
          // Queries and mutations resolve it afresh, as over HTTP (the token passed the
          // invalid-token budget at connect).
          ...(subscription ? { knownViewer: socketState?.viewer ?? null } : {}),
          tokenAdmitted: true,
        });
        context.costCharge = charges.get(args);
        if (subscription) {
          context.live = new SubscriptionOutlet(
            writerOf(ctx.extra.socket),
            id,
            audienceKey(
              schema,
              args.document,
              texts.get(args) ?? payload.query,
              args.operationName,
              args.variableValues,
            ),
            {
              schema: args.schema,
              document: args.document,
              operationName: args.operationName,
              variableValues: args.variableValues,
            },
            context,
          );
        }
        return context;
      },
    },
    wss,
    config.WS_KEEPALIVE,
    log,
  );
  return {
    wss,
    /** Users with an open authenticated socket here (leak tests). */
    connectedUsers: () => connections.size(),
    async close(): Promise<void> {
      disconnectTransport();
      for (const client of wss.clients) {
        const writer = writerOf(client);
        writer.close(CLOSE_GOING_AWAY, 'server shutting down');
        // A client that does not read never answers the close frame: it would stall the stop.
        const cut = setTimeout(() => writer.terminate(), SHUTDOWN_CLOSE_TIMEOUT_MS);
        client.once('close', () => clearTimeout(cut));
      }
      await disposable.dispose();
    },
    /** Cuts every socket at once, without a closing handshake. */
    terminateAll(): void {
      for (const client of wss.clients) writerOf(client).terminate();
    },
  };
}

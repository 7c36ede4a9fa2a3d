import { Kind, parse } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import {
  Network,
  Observable,
  type GraphQLResponse,
  type INetwork,
  type RequestParameters,
  type Variables,
} from 'relay-runtime';
import { documentPayload } from '../src/document-payload';
import { TeamgraphError, type GraphqlErrorShape } from '../src/errors';

export interface RelayNetworkOptions {
  /** The API's HTTP(S) URL, e.g. https://teamgraph.example/graphql; ws(s):// is derived. */
  url: string;
  /** The session token, or a function returning the current one (null when signed out). */
  token?: string | null | (() => string | null);
  /** Node without a global WebSocket (Node 20): pass `ws`'s WebSocket. */
  webSocketImpl?: unknown;
  fetch?: typeof fetch;
  /**
   * Send each operation by its hash in the trusted-document manifest instead of its text
   * (needed against TRUSTED_DOCUMENTS=require; any server accepts it), as the kit does.
   */
  trustedDocuments?: boolean;
}

export interface RelayNetwork {
  network: INetwork;
  /** The graphql-ws client that carries the subscriptions. */
  ws: WsClient;
}

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: GraphqlErrorShape[];
}

/** The variables each operation's text declares, by the artifact's cacheID (parsed once). */
const declaredByOperation = new Map<string, ReadonlySet<string>>();

function declaredVariables(request: RequestParameters & { text: string }): ReadonlySet<string> {
  let declared = declaredByOperation.get(request.cacheID);
  if (!declared) {
    const names = parse(request.text, { noLocation: true }).definitions.flatMap((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION
        ? (definition.variableDefinitions ?? []).map((v) => v.variable.name.value)
        : [],
    );
    declared = new Set(names);
    declaredByOperation.set(request.cacheID, declared);
  }
  return declared;
}

/**
 * The document Relay sends: the compiler writes its text into every operation artifact. Relay
 * passes client-only variables too (`$connections` of `@prependNode`), which the compiler
 * strips from the text; the server refuses a variable its operation does not declare, so only
 * the declared ones go.
 */
function bodyOf(request: RequestParameters, variables: Variables, byHash: boolean) {
  const { text } = request;
  if (text == null)
    throw new Error(`${request.name} has no text: this network sends documents, not ids`);
  const declared = declaredVariables({ ...request, text });
  const sent = Object.fromEntries(Object.entries(variables).filter(([name]) => declared.has(name)));
  return { ...documentPayload(text, byHash), operationName: request.name, variables: sent };
}

/**
 * An answer without data is a refusal: thrown as TeamgraphError, so a caller can branch on its
 * contract code (Relay would only say "No data returned"). Field errors beside data pass through.
 */
function acceptedAnswer(answer: Answer, status?: number): GraphQLResponse {
  if (answer.data == null)
    throw new TeamgraphError(
      answer.errors?.length
        ? answer.errors
        : [{ message: `HTTP ${status}`, extensions: { code: 'HTTP_ERROR' } }],
      status,
    );
  return answer as GraphQLResponse;
}

/** graphql-ws requires a query string: a document sent by its hash has an empty one. */
function subscribePayload(request: RequestParameters, variables: Variables, byHash: boolean) {
  const body = bodyOf(request, variables, byHash);
  return { ...body, query: body.query ?? '' };
}

/**
 * Relay's network layer for teamgraph: queries and mutations as JSON POSTs to the API with the
 * bearer token (a JSON content type is what the server's CSRF guard asks for), subscriptions
 * over graphql-ws on the same URL with the token in `connection_init`.
 */
export function createRelayNetwork(options: RelayNetworkOptions): RelayNetwork {
  const currentToken = () =>
    typeof options.token === 'function' ? options.token() : (options.token ?? null);
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const byHash = options.trustedDocuments ?? false;
  const ws = createClient({
    url: options.url.replace(/^http/, 'ws'),
    webSocketImpl: options.webSocketImpl,
    connectionParams: () => {
      const token = currentToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    // graphql-ws's retry would re-send the first subscribe's variables (an old afterSeq) and
    // retry a revoked session's 4403 for nothing: a lost feed ends, the caller resubscribes.
    retryAttempts: 0,
    shouldRetry: () => false,
    lazy: true,
  });

  const fetchFn = async (request: RequestParameters, variables: Variables) => {
    const token = currentToken();
    const response = await doFetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(bodyOf(request, variables, byHash)),
    });
    const answer = (await response.json().catch(() => ({}))) as Answer;
    return acceptedAnswer(answer, response.status);
  };

  const subscribeFn = (request: RequestParameters, variables: Variables) =>
    Observable.create<GraphQLResponse>((sink) =>
      ws.subscribe<Record<string, unknown>>(subscribePayload(request, variables, byHash), {
        next: (answer) => {
          try {
            sink.next(acceptedAnswer(answer as Answer));
          } catch (refusal) {
            // ACCESS_REVOKED, FORBIDDEN: the feed's last answer.
            sink.error(refusal as Error);
          }
        },
        error: (error) => sink.error(wsFailure(error)),
        complete: () => sink.complete(),
      }),
    );

  return { network: Network.create(fetchFn, subscribeFn), ws };
}

/**
 * graphql-ws reports a refused subscribe as the error list (FORBIDDEN for another team's feed)
 * and a lost socket as its CloseEvent (4403: the session was revoked).
 */
function wsFailure(error: unknown): Error {
  if (Array.isArray(error)) return new TeamgraphError(error as GraphqlErrorShape[]);
  if (error instanceof Error) return error;
  const close = error as { code?: unknown; reason?: unknown };
  return new Error(`socket closed: ${String(close?.code)} ${String(close?.reason ?? '')}`.trim());
}

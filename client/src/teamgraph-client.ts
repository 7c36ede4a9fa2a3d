import { createClient, type Client as WsClient } from 'graphql-ws';
import type { BackoffOptions } from './backoff';
import { TeamgraphError, type GraphqlErrorShape } from './errors';
import { followMyActivity, type MyActivityOptions } from './follow-my-activity';
import { followTeamActivity, type TeamActivityOptions } from './follow-team-activity';
import type { ActivityFollow, ActivityHandlers } from './activity-follow';
import { followAccountEvents, type AccountEventHandlers } from './follow-account-events';
import type { FeedLoop } from './feed-loop';
import { documentPayload, type DocumentPayload } from './document-payload';
import type { SigningKey } from './log-verification/checkpoint';

/** A generated operation (TypedDocumentString) or any string with its types attached. */
export interface TypedOperation<TResult, TVariables> {
  toString(): string;
  __apiType?: (variables: TVariables) => TResult;
}

export interface TeamgraphClientOptions {
  /** The API's HTTP(S) URL, e.g. https://teamgraph.example/graphql; ws(s):// is derived. */
  url: string;
  /** The session token, or a function returning the current one (null when signed out). */
  token?: string | null | (() => string | null);
  /** Node without a global WebSocket (Node 20): pass `ws`'s WebSocket. */
  webSocketImpl?: unknown;
  /** Reconnect timing for live feeds. */
  backoff?: BackoffOptions;
  fetch?: typeof fetch;
  /**
   * Send the first-party operations by their hash in the trusted-document manifest instead of
   * their text (needed against TRUSTED_DOCUMENTS=require; any server accepts it). Other
   * documents are still sent as text.
   */
  trustedDocuments?: boolean;
  /**
   * The server's checkpoint keys, obtained apart from it (docs/log-verification.md): team feeds
   * verify the log's checkpoints against these. Without them a feed trusts the keys the server
   * publishes on first use, and says so in its stored state.
   */
  signingKeys?: readonly SigningKey[];
}

export interface TeamgraphClient {
  request<TResult, TVariables>(
    operation: TypedOperation<TResult, TVariables>,
    ...variables: TVariables extends Record<string, never> ? [] | [TVariables] : [TVariables]
  ): Promise<TResult>;
  followTeamActivity(
    teamId: string,
    handlers: ActivityHandlers,
    options?: TeamActivityOptions,
  ): ActivityFollow;
  followMyActivity(handlers: ActivityHandlers, options?: MyActivityOptions): ActivityFollow;
  /** My account's events, resubscribed after every reconnect. */
  followAccountEvents(handlers: AccountEventHandlers): FeedLoop;
  /** The underlying graphql-ws client, for other subscriptions (e.g. accountEvents). */
  ws: WsClient;
  /** How this client sends a document: its text, or its manifest hash (trustedDocuments). */
  documentPayload(operation: { toString(): string }): DocumentPayload;
  /** Closes the socket; feeds already stopped stay stopped. */
  close(): Promise<void>;
}

/**
 * Queries and mutations over HTTP (always POST with content-type application/json, which the
 * server's CSRF guard accepts), subscriptions over graphql-ws on the same URL.
 */
export function createTeamgraphClient(options: TeamgraphClientOptions): TeamgraphClient {
  const currentToken = () =>
    typeof options.token === 'function' ? options.token() : (options.token ?? null);
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const ws = createClient({
    url: options.url.replace(/^http/, 'ws'),
    webSocketImpl: options.webSocketImpl,
    connectionParams: () => {
      const token = currentToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    // The feeds reconnect themselves, with variables built for each attempt; graphql-ws's
    // own retry would re-send the first subscribe's variables (and retry 4403 for nothing).
    retryAttempts: 0,
    shouldRetry: () => false,
    lazy: true,
  });

  const payloadOf = (operation: { toString(): string }) =>
    documentPayload(operation.toString(), options.trustedDocuments ?? false);

  const request = async (operation: { toString(): string }, variables?: unknown) => {
    const token = currentToken();
    const response = await doFetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ ...payloadOf(operation), variables: variables ?? {} }),
    });
    const body = (await response.json().catch(() => ({}))) as {
      data?: unknown;
      errors?: GraphqlErrorShape[];
    };
    if (body.errors?.length) throw new TeamgraphError(body.errors, response.status);
    if (!response.ok || body.data == null)
      throw new TeamgraphError(
        [{ message: `HTTP ${response.status}`, extensions: { code: 'HTTP_ERROR' } }],
        response.status,
      );
    return body.data;
  };

  const client: TeamgraphClient = {
    request: request as TeamgraphClient['request'],
    ws,
    documentPayload: payloadOf,
    followTeamActivity: (teamId, handlers, followOptions) =>
      followTeamActivity(client, teamId, handlers, {
        backoff: options.backoff,
        signingKeys: options.signingKeys,
        ...followOptions,
      }),
    followMyActivity: (handlers, followOptions) =>
      followMyActivity(client, handlers, { backoff: options.backoff, ...followOptions }),
    followAccountEvents: (handlers) =>
      followAccountEvents(client, handlers, { backoff: options.backoff }),
    // graphql-ws's dispose() rejects with the CloseEvent when the socket was refused while
    // connecting (a revoked token, say): the client is closed all the same, so that is no error.
    close: () => Promise.resolve(ws.dispose()).catch(() => undefined),
  };
  return client;
}

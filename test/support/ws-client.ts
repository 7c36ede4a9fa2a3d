import { createClient, type Client, type FormattedExecutionResult, type Message } from 'graphql-ws';
import WebSocket from 'ws';
import { withTimeout } from '../../src/util/with-timeout';
import type { TestApp } from './test-app';

export type LiveResult = FormattedExecutionResult<Record<string, unknown>, Record<string, unknown>>;

export interface CloseInfo {
  code: number;
  reason: string;
}

/** A real graphql-ws client on a real socket, plus how its socket ended. */
export interface LiveClient {
  client: Client;
  /** Settles when the socket closes (code and reason as the client saw them). */
  closed: Promise<CloseInfo>;
  isClosed(): boolean;
  /**
   * Every protocol message the server sent, in order — also those for an operation the client
   * already finished, which graphql-ws would drop without a word.
   */
  messages: Message[];
  dispose(): Promise<void>;
}

interface ConnectOptions {
  origin?: string;
  /** The raw `connection_init` payload (default: the bearer token, if any). */
  payload?: Record<string, unknown>;
}

/** A ws client class that sends extra handshake headers (an Origin, like a browser would). */
function webSocketWith(headers: Record<string, string>): typeof WebSocket {
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  } as typeof WebSocket;
}

/**
 * Connects and resolves once the server acknowledged `connection_init`; rejects with the
 * close info when the server refuses (4403 bad token, 1008 over a cap, …).
 */
function eventMessage(event: unknown): string {
  const message = (event as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(event);
}

export async function connectLive(
  app: Pick<TestApp, 'wsUrl'>,
  token?: string | null,
  options: ConnectOptions = {},
): Promise<LiveClient> {
  let closedInfo: CloseInfo | null = null;
  const messages: Message[] = [];
  let resolveClosed!: (info: CloseInfo) => void;
  const closed = new Promise<CloseInfo>((resolve) => {
    resolveClosed = resolve;
  });
  let resolveConnected!: () => void;
  let rejectConnected!: (error: CloseInfo | Error) => void;
  const connected = new Promise<void>((resolve, reject) => {
    resolveConnected = resolve;
    rejectConnected = reject;
  });
  const client = createClient({
    url: app.wsUrl,
    webSocketImpl: options.origin ? webSocketWith({ origin: options.origin }) : WebSocket,
    lazy: false,
    // Refusals are reported through `closed` and the rejected connect, not the console.
    onNonLazyError: () => undefined,
    retryAttempts: 0,
    // The server pings; clients in tests stay quiet so close codes are the server's.
    keepAlive: 0,
    connectionParams: options.payload ?? (token ? { authorization: `Bearer ${token}` } : {}),
    on: {
      connected: () => resolveConnected(),
      message: (message) => void messages.push(message),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        closedInfo = { code, reason: String(reason) };
        resolveClosed(closedInfo);
        rejectConnected(closedInfo);
      },
      // ws reports a refused upgrade as an ErrorEvent whose message carries the HTTP status.
      error: (error) =>
        rejectConnected(error instanceof Error ? error : new Error(eventMessage(error))),
    },
  });
  // Rejections after a successful connect are expected (e.g. a later 4403) and not errors.
  connected.catch(() => undefined);
  try {
    await withTimeout(connected, 5_000, 'connection_ack');
  } catch (error) {
    await client.dispose();
    throw error;
  }
  return {
    client,
    closed,
    isClosed: () => closedInfo !== null,
    messages,
    dispose: async () => {
      await client.dispose();
    },
  };
}

/** Everything one subscription delivered, in order. */
export class Feed {
  readonly results: LiveResult[] = [];
  completed = false;
  error: unknown = null;
  private readonly waiters: (() => void)[] = [];
  unsubscribe: () => void = () => undefined;

  push(result: LiveResult): void {
    this.results.push(result);
    this.notify();
  }

  finish(error: unknown = null): void {
    this.completed = true;
    this.error = error;
    this.notify();
  }

  /** The data of each result under `field` (skips results that carried only errors). */
  values<T = Record<string, unknown>>(field: string): T[] {
    return this.results.map((r) => r.data?.[field]).filter((v) => v != null) as T[];
  }

  /** Waits until `predicate` holds (checked after each result and at completion). */
  async until(predicate: (feed: Feed) => boolean, timeoutMs = 5_000, what = 'feed'): Promise<void> {
    const started = Date.now();
    while (!predicate(this)) {
      const left = timeoutMs - (Date.now() - started);
      if (left <= 0) {
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.results)} completed=${this.completed}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Waits until a value under `field` matches: the sentinel that ends a negative check. One
   * feed's events arrive in order, so whatever it must not get would already be here.
   */
  untilValue<T = Record<string, unknown>>(
    field: string,
    matches: (value: T) => boolean,
    what: string,
    timeoutMs = 5_000,
  ): Promise<void> {
    return this.until((f) => f.values<T>(field).some(matches), timeoutMs, what);
  }

  untilCount(count: number, timeoutMs = 5_000): Promise<void> {
    return this.until((f) => f.results.length >= count, timeoutMs, `${count} results`);
  }

  untilComplete(timeoutMs = 5_000): Promise<void> {
    return this.until((f) => f.completed, timeoutMs, 'completion');
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/** Starts a subscription (or any operation) on a connected client and collects its results. */
export function subscribe(
  live: LiveClient,
  /** The document's text, or a payload naming it (e.g. by its persisted-query hash alone). */
  document: string | { query?: string; extensions?: Record<string, unknown> },
  variables: Record<string, unknown> = {},
): Feed {
  const feed = new Feed();
  const payload =
    typeof document === 'string'
      ? { query: document }
      : // graphql-ws requires a query string, empty for a document sent by its hash.
        { ...document, query: document.query ?? '' };
  feed.unsubscribe = live.client.subscribe<Record<string, unknown>, Record<string, unknown>>(
    { ...payload, variables },
    {
      next: (result) => feed.push(result),
      error: (error) => feed.finish(error),
      complete: () => feed.finish(),
    },
  );
  return feed;
}

/** The extensions.code of the first error of a result (or of an error sent as `error`). */
export function liveErrorCode(value: LiveResult | unknown): unknown {
  if (Array.isArray(value))
    return (value[0] as { extensions?: { code?: unknown } })?.extensions?.code;
  const errors = (value as LiveResult | undefined)?.errors;
  return errors?.[0]?.extensions?.code;
}

/** The code of the error a subscription ended with: its last result's, or the `error` message's. */
export function endCode(feed: Feed): unknown {
  if (feed.error) return liveErrorCode(feed.error);
  const last = feed.results[feed.results.length - 1];
  return liveErrorCode(last);
}

/** A plain socket speaking the protocol by hand, for what a well-behaved client never sends. */
export interface RawSocket {
  socket: WebSocket;
  /** The handshake's outcome: open, or the HTTP status the upgrade was refused with. */
  opened: Promise<{ open: true } | { open: false; status: number }>;
  closed: Promise<CloseInfo>;
  messages: Record<string, unknown>[];
  send(message: Record<string, unknown> | string | Buffer): void;
}

export function rawSocket(
  app: Pick<TestApp, 'wsUrl'>,
  options: { origin?: string; autoPong?: boolean } = {},
): RawSocket {
  const socket = new WebSocket(app.wsUrl, 'graphql-transport-ws', {
    headers: options.origin ? { origin: options.origin } : {},
    autoPong: options.autoPong ?? true,
  });
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data) =>
    messages.push(JSON.parse(String(data)) as Record<string, unknown>),
  );
  const opened = new Promise<{ open: true } | { open: false; status: number }>((resolve) => {
    socket.once('open', () => resolve({ open: true }));
    socket.once('unexpected-response', (_req, res) => {
      resolve({ open: false, status: res.statusCode ?? 0 });
      res.resume();
      socket.terminate();
    });
    socket.once('error', () => resolve({ open: false, status: 0 }));
  });
  const closed = new Promise<CloseInfo>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
  });
  return {
    socket,
    opened,
    closed,
    messages,
    send: (message) =>
      socket.send(
        typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message),
      ),
  };
}

// The suites wait with the same helper as the server.
export { withTimeout };

/** The selection every activity test reads. */
export const ACTIVITY_FIELDS = `id seq action summary subjectId team { id name } actor { id }`;

export const TEAM_ACTIVITY = `subscription ($teamId: ID!, $afterSeq: Int) {
  teamActivity(teamId: $teamId, afterSeq: $afterSeq) { ${ACTIVITY_FIELDS} }
}`;

export const MY_ACTIVITY = `subscription { myActivity { ${ACTIVITY_FIELDS} } }`;

export const ACCOUNT_EVENTS = `subscription { accountEvents { type sessionId details createdAt } }`;

import type { Client as WsClient } from 'graphql-ws';
import { backoffDelay, type BackoffOptions } from './backoff';
import type { DocumentPayload } from './document-payload';
import { TERMINAL_CLOSE_CODES, type GraphqlErrorShape } from './errors';

/** Why a feed ended for good. It never ends by itself for a network fault: it reconnects. */
export interface FeedEnd {
  /** ACCESS_REVOKED, FORBIDDEN, UNAUTHENTICATED…, or 'STOPPED' when the app called stop(). */
  code: string;
  message: string;
  /** Set when the socket closed with a code that must not be retried (4401, 4403). */
  closeCode?: number;
}

export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface FeedLoopOptions<TData> {
  ws: WsClient;
  /** The subscription's document as the client sends it (its text or its hash). */
  document: DocumentPayload;
  /** Built anew for every (re)subscribe: graphql-ws's own retry would replay the first ones. */
  variables(): Record<string, unknown>;
  /** Runs, in order with the data, right after each (re)subscribe (e.g. to catch up). */
  afterSubscribe?(): Promise<void>;
  /** Handled one at a time, in arrival order. */
  onData(data: TData): Promise<void>;
  onStatus?(status: FeedStatus): void;
  backoff?: BackoffOptions;
}

export interface FeedLoop {
  stop(): void;
  /** Resolves when the feed ends for good. */
  done: Promise<FeedEnd>;
  /** How often the feed had to resubscribe after losing its socket. */
  readonly reconnects: number;
}

type Attempt = { retry: true; gotData: boolean } | { retry: false; end: FeedEnd };

const isCloseEvent = (value: unknown): value is { code: number; reason?: string } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { code?: unknown }).code === 'number';

const firstError = (errors: readonly GraphqlErrorShape[]): FeedEnd => ({
  code: typeof errors[0]?.extensions?.code === 'string' ? errors[0].extensions.code : 'UNKNOWN',
  message: errors[0]?.message ?? 'The feed was refused',
});

/** A socket error is retried unless its close code says the session is gone. */
function classify(error: unknown): Attempt {
  if (Array.isArray(error)) return { retry: false, end: firstError(error as GraphqlErrorShape[]) };
  if (isCloseEvent(error) && TERMINAL_CLOSE_CODES.has(error.code))
    return {
      retry: false,
      end: {
        code: error.code === 4401 ? 'UNAUTHENTICATED' : 'FORBIDDEN',
        message: error.reason || `The server closed the connection (${error.code})`,
        closeCode: error.code,
      },
    };
  return { retry: true, gotData: false };
}

/**
 * Subscribes, hands each result to onData in order, and on a lost socket waits (backoff with
 * jitter) and subscribes again with fresh variables, until the server ends the feed or stop().
 */
export function runFeedLoop<TData>(options: FeedLoopOptions<TData>): FeedLoop {
  let stopped = false;
  let unsubscribe: (() => void) | undefined;
  let wake: (() => void) | undefined;
  let reconnects = 0;
  let resolveDone!: (end: FeedEnd) => void;
  const done = new Promise<FeedEnd>((resolve) => (resolveDone = resolve));

  const attempt = () =>
    new Promise<Attempt>((resolve) => {
      let gotData = false;
      let queue: Promise<void> = Promise.resolve();
      let settled = false;
      const settle = (outcome: Attempt) => {
        if (settled) return;
        settled = true;
        // Finish what already arrived before deciding where to resume from.
        void queue.then(() =>
          resolve(outcome.retry ? { retry: true, gotData: gotData || outcome.gotData } : outcome),
        );
      };
      const run = (job: () => Promise<void>) => {
        queue = queue.then(job).catch((error: unknown) => {
          settle({ retry: false, end: { code: 'CLIENT_ERROR', message: String(error) } });
        });
      };
      unsubscribe = options.ws.subscribe<TData>(
        // graphql-ws requires a query string: a document sent by its hash has an empty one.
        {
          ...options.document,
          query: options.document.query ?? '',
          variables: options.variables(),
        },
        {
          next: (result) => {
            if (result.errors?.length) {
              settle({ retry: false, end: firstError(result.errors) });
              return;
            }
            gotData = true;
            options.onStatus?.('live');
            if (result.data) {
              const data = result.data;
              run(() => options.onData(data));
            }
          },
          error: (error) => settle(classify(error)),
          complete: () => settle({ retry: true, gotData }),
        },
      );
      if (options.afterSubscribe) run(options.afterSubscribe);
    });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const finish = (end: FeedEnd) => {
    stopped = true;
    unsubscribe?.();
    options.onStatus?.('ended');
    resolveDone(end);
  };

  void (async () => {
    let failures = 0;
    options.onStatus?.('connecting');
    while (!stopped) {
      const outcome = await attempt();
      if (stopped) break;
      if (!outcome.retry) {
        finish(outcome.end);
        return;
      }
      unsubscribe?.();
      failures = outcome.gotData ? 0 : failures + 1;
      options.onStatus?.('reconnecting');
      await sleep(backoffDelay(failures, options.backoff));
      reconnects += 1;
    }
  })();

  return {
    stop() {
      if (stopped) return;
      wake?.();
      finish({ code: 'STOPPED', message: 'Stopped by the application' });
    },
    done,
    get reconnects() {
      return reconnects;
    },
  };
}

import { AccountEventsDocument, type AccountEventsSubscription } from '../generated/graphql';
import type { BackoffOptions } from './backoff';
import { runFeedLoop, type FeedEnd, type FeedLoop, type FeedStatus } from './feed-loop';
import type { TeamgraphClient } from './teamgraph-client';

export type AccountEvent = AccountEventsSubscription['accountEvents'];

export interface AccountEventHandlers {
  onEvent(event: AccountEvent): void;
  /** After every (re)subscribe: events sent while the socket was down are not replayed. */
  onResubscribed?(): void;
  onEnded?(end: FeedEnd): void;
  onStatus?(status: FeedStatus): void;
}

/** My account's events (READ_STATE_CHANGED, NEW_SIGN_IN, …), reconnecting like the feeds. */
export function followAccountEvents(
  client: TeamgraphClient,
  handlers: AccountEventHandlers,
  options: { backoff?: BackoffOptions } = {},
): FeedLoop {
  const loop = runFeedLoop<AccountEventsSubscription>({
    ws: client.ws,
    document: client.documentPayload(AccountEventsDocument),
    variables: () => ({}),
    afterSubscribe: async () => handlers.onResubscribed?.(),
    onData: async ({ accountEvents }) => handlers.onEvent(accountEvents),
    onStatus: handlers.onStatus,
    backoff: options.backoff,
  });
  void loop.done.then((end) => {
    if (end.code !== 'STOPPED') handlers.onEnded?.(end);
  });
  return loop;
}

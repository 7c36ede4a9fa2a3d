import { userChannel, type AccountEvent } from '../events/domain-events';
import type { EventBus, Unsubscribe } from '../events/event-bus';
import { eventDelivered } from '../metrics/event-metrics';
import { subscriptionEnded, subscriptionStarted } from '../metrics/ws-metrics';
import type { Services } from '../services';
import type { LiveSubscriber } from './live-subscriber';

/** A reader that stalls keeps at most this many account events; older ones are dropped. */
const MAX_BUFFERED = 100;

const DONE: IteratorResult<AccountEvent> = { value: undefined, done: true };

/**
 * `accountEvents`: my own account's events (new sign-in, password changed, …) from my
 * channel. Revoked sessions do not need a check here: their sockets are closed.
 */
export class AccountEventStream implements AsyncIterableIterator<AccountEvent> {
  private readonly queue: AccountEvent[] = [];
  private waiter: (() => void) | null = null;
  private closed = false;
  private counted = false;
  private unsubscribe: Unsubscribe | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly userId: string,
  ) {}

  async start(): Promise<this> {
    const { userId } = this;
    this.unsubscribe = this.bus.subscribe(userChannel(userId), (event) => {
      if (this.closed || event.kind !== 'account' || event.userId !== userId) return;
      this.queue.push(event);
      if (this.queue.length > MAX_BUFFERED) this.queue.shift();
      this.wake();
    });
    await this.unsubscribe.ready;
    if (!this.closed) {
      this.counted = true;
      subscriptionStarted();
    }
    return this;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<AccountEvent>> {
    while (!this.closed) {
      const event = this.queue.shift();
      if (event) {
        eventDelivered('account');
        return { value: event, done: false };
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    return DONE;
  }

  async return(): Promise<IteratorResult<AccountEvent>> {
    this.close();
    return DONE;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.counted) subscriptionEnded();
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.queue.length = 0;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}

export function openAccountEventStream(
  services: Pick<Services, 'bus'>,
  subscriber: LiveSubscriber,
): Promise<AccountEventStream> {
  return new AccountEventStream(services.bus, subscriber.userId).start();
}

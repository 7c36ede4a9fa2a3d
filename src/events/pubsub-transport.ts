/** One message for Redis: the channel's full name and the serialised envelope. */
export interface OutgoingMessage {
  channel: string;
  message: string;
}

/**
 * How the Redis event bus reaches Redis: plain pub/sub on one server (redis-pubsub.ts) or
 * sharded pub/sub on a Redis Cluster (sharded-pubsub.ts). The bus above it keeps the local
 * listeners, the per-channel counts and the envelopes; this carries bytes and reports whether
 * its subscriptions are in place.
 */
export interface PubSubTransport {
  /** Publishes in order (per channel); rejects when any message was not published. */
  publish(messages: OutgoingMessage[]): Promise<void>;
  /** Settles once Redis confirmed the subscription. */
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  onMessage(listener: (channel: string, message: string) => void): void;
  /** A subscription connection dropped: messages may be missed from now on. */
  onLost(listener: () => void): void;
  /** After a loss, every subscription is in place again (messages may have been missed). */
  onRestored(listener: () => void): void;
  /** Every subscription is in place now. */
  isUp(): boolean;
  close(): Promise<void>;
}

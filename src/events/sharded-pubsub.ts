import { Cluster } from 'ioredis';
import type { ClusterNode } from '../config/redis-config';
import type { Logger } from '../logging/logger';
import { closeRedis, CLUSTER_SLOTS_REFRESH_MS } from '../redis/redis-client';
import { busConnectionName, MAX_RECONNECT_DELAY_MS } from './bus-connection';
import type { OutgoingMessage, PubSubTransport } from './pubsub-transport';

/**
 * Sharded pub/sub on a Redis Cluster (SPUBLISH/SSUBSCRIBE): a channel lives on the node that
 * owns its hash slot, so each team's events travel through one node and different teams'
 * through different nodes — no node carries every event. ioredis keeps one subscriber
 * connection per master and re-subscribes each channel there after a reconnect or a change of
 * slots. Order is kept per channel (one node, one connection), which is all the bus needs: a
 * team's activity and its revocations share the team's channel.
 */
export class ShardedPubSub implements PubSubTransport {
  private readonly cluster: Cluster;
  /** Every subscriber connection is up and has re-subscribed its channels. */
  private subscribed = false;
  private everSubscribed = false;
  /** A subscriber connection failed during the round of reconnects now under way. */
  private roundFailed = false;
  private readonly lostListeners: (() => void)[] = [];
  private readonly restoredListeners: (() => void)[] = [];
  private closing = false;

  /** While subscriptions are lost: asks ioredis to look at the nodes again, see `lose`. */
  private nudging: NodeJS.Timeout | null = null;

  constructor(nodes: ClusterNode[], logger: Logger) {
    this.cluster = new Cluster(nodes, {
      shardedSubscribers: true,
      // Several events of one transaction to one node go out in one write.
      enableAutoPipelining: true,
      slotsRefreshInterval: CLUSTER_SLOTS_REFRESH_MS,
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS),
      redisOptions: { connectionName: busConnectionName('bus'), maxRetriesPerRequest: 1 },
    });
    // ioredis reports its sharded subscribers' life through these events (ClusterSubscriberGroup).
    this.cluster.on('close', () => this.lose());
    this.cluster.on('-subscriber', () => this.lose());
    this.cluster.on('+subscriber', () => {
      this.roundFailed = false;
    });
    // Each retry fails again while a node is away: say so once per outage.
    let reported = false;
    const report = (error: Error, node?: string) => {
      if (!reported) logger.warn({ err: error, node }, 'redis event bus connection error');
      reported = true;
    };
    this.cluster.on('nodeError', (error: Error, node: string) => {
      this.roundFailed = true;
      this.lose();
      report(error, node);
    });
    // Emitted after each round of (re)connecting subscribers, whether or not all came up.
    this.cluster.on('subscribersReady', () => {
      if (this.roundFailed || this.subscribed) return;
      this.subscribed = true;
      reported = false;
      this.stopNudging();
      if (this.everSubscribed) for (const listener of this.restoredListeners) listener();
      this.everSubscribed = true;
    });
    this.cluster.on('error', (error: Error) => report(error));
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    // Commands to one node leave in the order they were issued; a cluster pipeline would
    // refuse channels of different slots.
    await Promise.all(
      messages.map(({ channel, message }) => this.cluster.spublish(channel, message)),
    );
  }

  async subscribe(channel: string): Promise<void> {
    await this.cluster.ssubscribe(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    await this.cluster.sunsubscribe(channel);
  }

  onMessage(listener: (channel: string, message: string) => void): void {
    this.cluster.on('smessage', listener);
  }

  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  onRestored(listener: () => void): void {
    this.restoredListeners.push(listener);
  }

  isUp(): boolean {
    return this.subscribed && this.cluster.status === 'ready';
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stopNudging();
    await closeRedis(this.cluster);
  }

  /**
   * A subscriber connection is gone. ioredis
   * retries a lost node with a backoff of up to 2 s; asking it to refresh the slots at our
   * reconnect pace notices a node that is back sooner, so revocations missed meanwhile are
   * re-checked within a second of its return.
   */
  private lose(): void {
    if (!this.closing && !this.nudging) {
      this.nudging = setInterval(() => this.cluster.refreshSlotsCache(), MAX_RECONNECT_DELAY_MS);
      this.nudging.unref();
    }
    if (!this.subscribed) return;
    this.subscribed = false;
    for (const listener of this.lostListeners) listener();
  }

  private stopNudging(): void {
    if (this.nudging) clearInterval(this.nudging);
    this.nudging = null;
  }
}

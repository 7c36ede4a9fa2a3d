import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, PrivateRedis } from './redis-server';
import { untilEqual } from './until-equal';

/** Hash slots of a Redis Cluster; each node of ours takes an equal share. */
const SLOTS = 16384;

/**
 * A Redis Cluster of the test's own: `size` masters (no replicas) on free loopback ports,
 * without persistence, in a temporary directory removed at the end. Each node keeps its
 * cluster configuration file there, so a stopped node that is started again rejoins.
 */
export class PrivateRedisCluster {
  private constructor(
    readonly nodes: PrivateRedis[],
    private readonly dir: string,
  ) {}

  static async start(size = 3): Promise<PrivateRedisCluster> {
    const dir = mkdtempSync(path.join(tmpdir(), 'teamgraph-redis-cluster-'));
    const nodes: PrivateRedis[] = [];
    for (let i = 0; i < size; i += 1) {
      const port = await freePort();
      nodes.push(
        new PrivateRedis(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          path.join(dir, `nodes-${port}.conf`),
          '--dir',
          dir,
        ]),
      );
    }
    const cluster = new PrivateRedisCluster(nodes, dir);
    try {
      await Promise.all(nodes.map((node) => node.start()));
      await cluster.form();
      await cluster.untilHealthy();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** `host:port,host:port,…`, as REDIS_CLUSTER_NODES takes it. */
  get nodeList(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  /** Runs `work` with a plain connection to one node (not a cluster client). */
  async onNode<T>(index: number, work: (node: Redis) => Promise<T>): Promise<T> {
    const connection = new Redis(this.nodes[index].port, '127.0.0.1', { lazyConnect: true });
    await connection.connect();
    try {
      return await work(connection);
    } finally {
      connection.disconnect();
    }
  }

  eachNode<T>(work: (node: Redis, index: number) => Promise<T>): Promise<T[]> {
    return Promise.all(this.nodes.map((_, index) => this.onNode(index, (n) => work(n, index))));
  }

  /**
   * Resolves once every node reports `cluster_state:ok` (all slots served, every node seen);
   * fails after `timeoutMs`.
   */
  async untilHealthy(timeoutMs = 20_000): Promise<void> {
    const healthy = () =>
      this.eachNode(async (node) => {
        const info = String(await node.call('CLUSTER', 'INFO'));
        return /cluster_state:ok/.test(info) ? /cluster_known_nodes:(\d+)/.exec(info)?.[1] : info;
      });
    const everyNodeSeesAll = this.nodes.map(() => String(this.nodes.length));
    await untilEqual(healthy, everyNodeSeesAll, 'cluster state', timeoutMs);
  }

  /** Which node (index) serves a key or shard channel, from its hash slot. */
  async nodeOf(name: string): Promise<number> {
    const slot = await this.onNode(0, (node) => node.call('CLUSTER', 'KEYSLOT', name));
    return Math.floor(Number(slot) / this.share);
  }

  /** Connections subscribed to a shard channel, as the node that owns it counts them. */
  async shardSubscribers(channel: string): Promise<number> {
    const counts = await this.onNode(await this.nodeOf(channel), (node) =>
      node.call('PUBSUB', 'SHARDNUMSUB', channel),
    );
    return Number((counts as [string, number])[1]);
  }

  /** Shard channels with a subscriber, per node. */
  shardChannels(): Promise<string[][]> {
    return this.eachNode(async (node) =>
      ((await node.call('PUBSUB', 'SHARDCHANNELS')) as string[]).sort(),
    );
  }

  /** SPUBLISH commands each node has executed since it started. */
  shardPublishes(): Promise<number[]> {
    return this.eachNode(async (node) => {
      const stats = await node.info('commandstats');
      return Number(/^cmdstat_spublish:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
    });
  }

  /** Stops every node and removes their directory. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Slots per node: node i serves [i * share, (i + 1) * share). */
  private get share(): number {
    return Math.ceil(SLOTS / this.nodes.length);
  }

  /** Splits the slots between the nodes and introduces them to each other. */
  private async form(): Promise<void> {
    await this.eachNode(async (node, index) => {
      const first = index * this.share;
      const last = Math.min(SLOTS, first + this.share) - 1;
      await node.call('CLUSTER', 'ADDSLOTSRANGE', first, last);
      if (index > 0) await node.call('CLUSTER', 'MEET', '127.0.0.1', this.nodes[0].port);
    });
  }
}

import { z } from 'zod';
import { optionalTextSetting, optionalUrlSetting } from './settings';

/** One node of a Redis Cluster, as ioredis takes a startup node. */
export interface ClusterNode {
  host: string;
  port: number;
}

/** `host:port` (a name, an IPv4 address, or an IPv6 address in brackets) and a port 1–65535. */
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * REDIS_CLUSTER_NODES: comma-separated `host:port` of some nodes of a Redis Cluster (the rest
 * are discovered). Each entry is checked, so a typo is named at start-up rather than found as
 * a connection that never comes up.
 */
const clusterNodesSetting = optionalTextSetting.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const nodes: ClusterNode[] = [];
  for (const entry of value.split(',').map((s) => s.trim())) {
    const match = HOST_PORT.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry}" is not host:port (expected e.g. redis-1:6379,redis-2:6379)`,
      });
      return z.NEVER;
    }
    nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
  }
  return nodes;
});

/** Where the Redis of several instances is: one server (or a proxy) or a Redis Cluster. */
export const redisConfigSchema = {
  REDIS_URL: optionalUrlSetting,
  REDIS_CLUSTER_NODES: clusterNodesSetting,
};

interface RedisConfig {
  REDIS_URL?: string;
  REDIS_CLUSTER_NODES?: ClusterNode[];
}

/** Cross-variable rules; returns a message naming the variables, or null. */
export function checkRedisConfig(config: RedisConfig): string | null {
  if (config.REDIS_URL && config.REDIS_CLUSTER_NODES) {
    return 'REDIS_URL and REDIS_CLUSTER_NODES: set one (a single Redis or a Redis Cluster), not both';
  }
  return null;
}

/** The Redis this instance uses, if any. */
export type RedisTarget =
  { kind: 'single'; url: string } | { kind: 'cluster'; nodes: ClusterNode[] };

export function redisTarget(config: RedisConfig): RedisTarget | null {
  if (config.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: config.REDIS_CLUSTER_NODES };
  if (config.REDIS_URL) return { kind: 'single', url: config.REDIS_URL };
  return null;
}

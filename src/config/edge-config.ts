import { existsSync } from 'node:fs';
import { z } from 'zod';
import {
  durationSetting,
  optionalOnOffSetting as optionalSwitch,
  optionalTextSetting as optionalText,
} from './settings';

/** Settings of the server's edge: TLS, the playground, introspection, metrics, shutdown. */
export const edgeConfigSchema = {
  TLS_CERT_FILE: optionalText,
  TLS_KEY_FILE: optionalText,
  GRAPHQL_INTROSPECTION: optionalSwitch,
  PLAYGROUND: optionalSwitch,
  METRICS_TOKEN: optionalText,
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (rate limits, logs):
   * Express's `trust proxy` — `loopback`, a hop count, or comma-separated addresses/CIDRs.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .default('loopback')
    .transform((v): string | number => (/^\d+$/.test(v) ? Number(v) : v)),
  /** How long a stopping instance still serves after reporting not ready (0: no drain). */
  SHUTDOWN_DRAIN: durationSetting('5s'),
  SHUTDOWN_TIMEOUT: durationSetting('10s'),
  /**
   * How long one operation's execution may run (each live event's execution on its own); past
   * it no further field starts and the operation ends with TIME_LIMIT.
   */
  EXECUTION_TIMEOUT: durationSetting('10s'),
  /**
   * `require`: run only the first-party operations of client/trusted-documents.json, on both
   * transports; anything else is PERSISTED_QUERY_NOT_FOUND. `off`: any valid document.
   */
  TRUSTED_DOCUMENTS: z.enum(['off', 'require']).default('off'),
};

interface EdgeConfig {
  NODE_ENV: string;
  SHUTDOWN_DRAIN: number;
  SHUTDOWN_TIMEOUT: number;
  EXECUTION_TIMEOUT: number;
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
}

/** Cross-variable rules; returns a message naming the variable, or null. */
export function checkEdgeConfig(config: EdgeConfig): string | null {
  if (Boolean(config.TLS_CERT_FILE) !== Boolean(config.TLS_KEY_FILE)) {
    return 'TLS_CERT_FILE and TLS_KEY_FILE: set both or neither';
  }
  for (const name of ['TLS_CERT_FILE', 'TLS_KEY_FILE'] as const) {
    const file = config[name];
    if (file && !existsSync(file)) return `${name}: no such file (got ${JSON.stringify(file)})`;
  }
  // The drain is part of the stop, so it must leave time for the answers and the closing.
  if (config.SHUTDOWN_DRAIN >= config.SHUTDOWN_TIMEOUT)
    return 'SHUTDOWN_DRAIN must be shorter than SHUTDOWN_TIMEOUT';
  if (config.EXECUTION_TIMEOUT <= 0) return 'EXECUTION_TIMEOUT must be longer than 0';
  return null;
}

/** Introspection and the playground are on in development and off in production unless enabled. */
export const introspectionEnabled = (config: {
  NODE_ENV: string;
  GRAPHQL_INTROSPECTION?: boolean;
}): boolean => config.GRAPHQL_INTROSPECTION ?? config.NODE_ENV !== 'production';

export const playgroundEnabled = (config: { NODE_ENV: string; PLAYGROUND?: boolean }): boolean =>
  config.PLAYGROUND ?? config.NODE_ENV !== 'production';

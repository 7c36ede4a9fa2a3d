/**
 * Socket churn: N times, a user connects over graphql-ws, starts teamActivity (with replay),
 * myActivity and accountEvents, and disconnects — every third socket without a close
 * handshake. Afterwards no bus listener may be left and the heap must come back to where it
 * was. Runs the server in this process so it can read the bus and the heap directly.
 *
 *   node --expose-gc -r ./test/support/swc-register.cjs bench/ws-churn.ts [cycles=10000]
 *
 * Needs a PostgreSQL: ADMIN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * a scratch database is created and dropped.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/logging/logger';

const cycles = Number(process.argv[2] ?? 10_000);
const adminUrl = process.env.ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function gql(url: string, query: string, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** One connect/subscribe/disconnect cycle; `abrupt` drops the TCP connection instead. */
async function cycle(wsUrl: string, token: string, teamId: string, abrupt: boolean) {
  let socket: WebSocket | null = null;
  const Tracked = class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- kept to drop it abruptly
      socket = this;
    }
  };
  const client = createClient({
    url: wsUrl,
    webSocketImpl: Tracked,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  const firstEvent = new Promise<void>((resolve, reject) => {
    client.subscribe(
      {
        query: `subscription ($t: ID!) { teamActivity(teamId: $t, afterSeq: 0) { seq } }`,
        variables: { t: teamId },
      },
      { next: () => resolve(), error: reject, complete: () => undefined },
    );
  });
  for (const query of [
    `subscription { myActivity { seq } }`,
    `subscription { accountEvents { type } }`,
  ]) {
    client.subscribe(
      { query },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
  }
  await firstEvent;
  if (abrupt && socket) (socket as WebSocket).terminate();
  await client.dispose();
}

async function main(): Promise<void> {
  const name = `tg_churn_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    DATABASE_URL: url.toString(),
    RATE_LIMITS: 'off',
    BACKUP_SCHEDULER: 'off',
  });
  const app = await startApp(config, createLogger(config.LOG_LEVEL));
  try {
    const wsUrl = app.url.replace(/^http/, 'ws');
    const signUp = (await gql(
      app.url,
      `mutation { signUp(input: { email: "churn@example.com", password: "Quartz-Lantern-Meadow-47!", displayName: "Churn" }) { token } }`,
    )) as { signUp: { token: string } };
    const token = signUp.signUp.token;
    const team = (await gql(
      app.url,
      `mutation { createTeam(input: { name: "Churn" }) { id } }`,
      token,
    )) as {
      createTeam: { id: string };
    };
    const bus = app.services.bus;
    // Warm up (JIT, pools, caches) before the baseline.
    for (let i = 0; i < 200; i += 1) await cycle(wsUrl, token, team.createTeam.id, i % 3 === 0);
    await new Promise((r) => setTimeout(r, 500));
    const listenersBefore = bus.listenerCount();
    const heapBefore = heapMiB();
    const started = Date.now();
    for (let i = 0; i < cycles; i += 1) {
      await cycle(wsUrl, token, team.createTeam.id, i % 3 === 0);
      if ((i + 1) % 1000 === 0) {
        console.log(
          `${i + 1} cycles, ${((Date.now() - started) / (i + 1)).toFixed(1)} ms/cycle, listeners ${bus.listenerCount()}, heap ${heapMiB().toFixed(1)} MiB`,
        );
      }
    }
    const deadline = Date.now() + 5_000;
    while (bus.listenerCount() !== listenersBefore && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const heapAfter = heapMiB();
    const result = {
      cycles,
      msPerCycle: Number(((Date.now() - started) / cycles).toFixed(2)),
      listenersBefore,
      listenersAfter: bus.listenerCount(),
      heapBeforeMiB: Number(heapBefore.toFixed(1)),
      heapAfterMiB: Number(heapAfter.toFixed(1)),
    };
    console.log(JSON.stringify(result));
    if (result.listenersAfter !== listenersBefore) process.exitCode = 1;
  } finally {
    await app.stop();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

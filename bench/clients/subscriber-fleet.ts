/**
 * Holds many WebSocket subscribers in one process (forked by the benchmark runner, so their
 * work is not done by the servers being measured) and measures each delivery:
 * latency = receipt time − the event's `createdAt`, which the server sets just before commit.
 *
 * Two protocols: `graphql-ws` (teamgraph's teamActivity subscription) and `bare` (the
 * broadcast baseline, which sends the same JSON frames without any protocol around them).
 */
import WebSocket from 'ws';

export interface Subscriber {
  token: string;
  teamId: string;
}

export type FleetCommand =
  | {
      type: 'connect';
      urls: string[];
      protocol: 'graphql-ws' | 'bare';
      subscribers: Subscriber[];
      query: string;
      concurrency: number;
    }
  | { type: 'await'; total: number; timeoutMs: number }
  | { type: 'reset' }
  | { type: 'stats' }
  | { type: 'close' };

export interface FleetStats {
  received: number;
  latencies: number[];
  firstAt: number;
  lastAt: number;
  errors: number;
  closedEarly: number;
  bytes: number;
  sampleFrame: string | null;
  minPerSocket: number;
  maxPerSocket: number;
}

export type FleetReply =
  | { type: 'connected'; connected: number; failed: number; ms: number; firstError: string | null }
  | { type: 'reached'; received: number; ok: boolean }
  | { type: 'stats'; stats: FleetStats }
  | { type: 'done' };

interface Socket {
  ws: WebSocket;
  count: number;
}

const sockets: Socket[] = [];
let latencies: number[] = [];
let received = 0;
let firstAt = 0;
let lastAt = 0;
let errors = 0;
let closedEarly = 0;
let bytes = 0;
let sampleFrame: string | null = null;
let closing = false;
let waiter: { total: number; resolve: () => void } | null = null;

const send = (reply: FleetReply) => process.send?.(reply);

function onFrame(socket: Socket, data: WebSocket.RawData): void {
  const now = Date.now();
  const text = data.toString();
  let message: { type?: string; payload?: { data?: Record<string, { createdAt?: string }> } };
  try {
    message = JSON.parse(text) as typeof message;
  } catch {
    errors += 1;
    return;
  }
  if (message.type !== 'next') {
    if (message.type === 'error' || message.type === 'complete') errors += 1;
    return;
  }
  const event = message.payload?.data ? Object.values(message.payload.data)[0] : undefined;
  if (!event?.createdAt) {
    errors += 1;
    return;
  }
  sampleFrame ??= text;
  latencies.push(now - Date.parse(event.createdAt));
  bytes += text.length;
  socket.count += 1;
  received += 1;
  if (!firstAt) firstAt = now;
  lastAt = now;
  if (waiter && received >= waiter.total) {
    waiter.resolve();
    waiter = null;
  }
}

function open(
  url: string,
  protocol: 'graphql-ws' | 'bare',
  subscriber: Subscriber,
  query: string,
  id: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const target =
      protocol === 'bare' ? `${url}?room=${encodeURIComponent(subscriber.teamId)}` : url;
    const ws = new WebSocket(
      target,
      protocol === 'graphql-ws' ? 'graphql-transport-ws' : undefined,
      {
        perMessageDeflate: false,
      },
    );
    const socket: Socket = { ws, count: 0 };
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve();
    };
    ws.on('error', (error) => settle(error));
    ws.on('close', (code, reason) => {
      if (!settled) settle(new Error(`closed ${code} ${reason.toString()}`));
      else if (!closing) closedEarly += 1;
    });
    ws.on('open', () => {
      if (protocol === 'bare') {
        sockets.push(socket);
        ws.on('message', (data) => onFrame(socket, data));
        settle();
        return;
      }
      ws.send(
        JSON.stringify({
          type: 'connection_init',
          payload: { authorization: `Bearer ${subscriber.token}` },
        }),
      );
    });
    if (protocol === 'graphql-ws') {
      ws.on('message', (data) => {
        if (settled) return onFrame(socket, data);
        const message = JSON.parse(data.toString()) as { type: string };
        if (message.type !== 'connection_ack')
          return settle(new Error(`expected connection_ack, got ${message.type}`));
        ws.send(
          JSON.stringify({
            id: String(id),
            type: 'subscribe',
            payload: { query, variables: { teamId: subscriber.teamId } },
          }),
        );
        sockets.push(socket);
        settle();
      });
    }
  });
}

async function connect(command: Extract<FleetCommand, { type: 'connect' }>): Promise<void> {
  const started = Date.now();
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const lane = async () => {
    while (next < command.subscribers.length) {
      const index = next++;
      const url = command.urls[index % command.urls.length];
      try {
        await open(url, command.protocol, command.subscribers[index], command.query, index + 1);
      } catch (error) {
        failed += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, lane));
  send({
    type: 'connected',
    connected: sockets.length,
    failed,
    ms: Date.now() - started,
    firstError,
  });
}

function stats(): FleetStats {
  let minPerSocket = Infinity;
  let maxPerSocket = 0;
  for (const socket of sockets) {
    minPerSocket = Math.min(minPerSocket, socket.count);
    maxPerSocket = Math.max(maxPerSocket, socket.count);
  }
  return {
    received,
    latencies,
    firstAt,
    lastAt,
    errors,
    closedEarly,
    bytes,
    sampleFrame,
    minPerSocket: sockets.length ? minPerSocket : 0,
    maxPerSocket,
  };
}

process.on('message', (command: FleetCommand) => {
  switch (command.type) {
    case 'connect':
      void connect(command);
      break;
    case 'await': {
      if (received >= command.total) {
        send({ type: 'reached', received, ok: true });
        break;
      }
      const timer = setTimeout(() => {
        waiter = null;
        send({ type: 'reached', received, ok: false });
      }, command.timeoutMs);
      waiter = {
        total: command.total,
        resolve: () => {
          clearTimeout(timer);
          send({ type: 'reached', received, ok: true });
        },
      };
      break;
    }
    case 'reset':
      latencies = [];
      received = 0;
      firstAt = 0;
      lastAt = 0;
      errors = 0;
      bytes = 0;
      for (const socket of sockets) socket.count = 0;
      send({ type: 'done' });
      break;
    case 'stats':
      send({ type: 'stats', stats: stats() });
      break;
    case 'close': {
      closing = true;
      for (const socket of sockets) socket.ws.terminate();
      sockets.length = 0;
      send({ type: 'done' });
      break;
    }
  }
});

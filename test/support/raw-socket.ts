import WebSocket from 'ws';
import { ChangeSignal } from './change-signal';

export interface SocketMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface SocketClose {
  code: number;
  reason: string;
}

/** What one operation on the socket produced: its next/error messages, or how the socket closed. */
export interface OperationOutcome {
  messages: SocketMessage[];
  closed: SocketClose | null;
}

/**
 * A bare graphql-transport-ws socket: every frame is ours to choose (malformed ones too) and
 * every frame the server sends is seen as is — for tests of the protocol's edge.
 */
export class RawSocket {
  readonly messages: SocketMessage[] = [];
  readonly closed: Promise<SocketClose>;
  private closeInfo: SocketClose | null = null;
  private readonly changes = new ChangeSignal();

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.changes.notify();
      });
    });
    socket.on('message', (data) => {
      try {
        this.messages.push(JSON.parse(data.toString()) as SocketMessage);
      } catch {
        this.messages.push({ type: 'unparsable', payload: data.toString() });
      }
      this.changes.notify();
    });
  }

  /** Opens a socket and completes `connection_init` (resolves after connection_ack). */
  static async open(
    wsUrl: string,
    options: { token?: string | null; headers?: Record<string, string>; init?: boolean } = {},
  ): Promise<RawSocket> {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { headers: options.headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const raw = new RawSocket(socket);
    if (options.init !== false) {
      raw.send({
        type: 'connection_init',
        payload: options.token ? { authorization: `Bearer ${options.token}` } : {},
      });
      await raw.until(
        () => raw.messages.some((m) => m.type === 'connection_ack'),
        'connection_ack',
      );
    }
    return raw;
  }

  /** Stops reading: what the server sends stays in the kernel's buffers (a stalled client). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  send(frame: unknown): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  isClosed(): boolean {
    return this.closeInfo !== null;
  }

  /**
   * Sends a `subscribe` and waits for its end: `complete` or `error` for that id, or the
   * socket closing. Subscriptions that stay open are ended by the caller's `stopAfterFirst`.
   */
  async run(
    id: string,
    payload: unknown,
    options: {
      stopAfterFirst?: boolean;
      timeoutMs?: number;
      /** Live feeds: an accepted subscription stays silent until an event; stop waiting then. */
      acceptSilenceAfterMs?: number;
    } = {},
  ): Promise<OperationOutcome> {
    const start = this.messages.length;
    this.send({ id, type: 'subscribe', payload });
    const mine = () => this.messages.slice(start).filter((m) => m.id === id);
    const ended = () =>
      this.isClosed() ||
      mine().some(
        (m) =>
          m.type === 'complete' ||
          m.type === 'error' ||
          (options.stopAfterFirst && m.type === 'next'),
      );
    if (options.acceptSilenceAfterMs === undefined) {
      await this.until(ended, `the end of operation ${id}`, options.timeoutMs);
    } else {
      await this.until(ended, 'silence', options.acceptSilenceAfterMs).catch(() => undefined);
    }
    if (!this.isClosed() && !mine().some((m) => m.type === 'complete' || m.type === 'error')) {
      this.send({ id, type: 'complete' });
    }
    return { messages: mine(), closed: this.closeInfo };
  }

  until(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    return this.changes.until(
      predicate,
      timeoutMs,
      () => `timed out waiting for ${what}: ${JSON.stringify(this.messages)}`,
    );
  }

  /** Drops the connection without a closing handshake, like a client that vanished. */
  terminate(): void {
    this.socket.terminate();
  }

  async close(): Promise<void> {
    if (!this.isClosed()) this.socket.close(1000);
    await this.closed;
  }
}

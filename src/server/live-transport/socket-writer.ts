import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * The one writer of a socket: graphql-ws's own messages, an audience's frames, pings and closes
 * all leave through it, so nothing else writes to the socket or to the connection under it.
 */
export class SocketWriter {
  constructor(
    private readonly socket: WebSocket,
    /** The upgraded request's connection, where ws writes this socket's frames. */
    private readonly connection: Duplex,
  ) {}

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** Bytes waiting to be written. */
  get backlog(): number {
    return this.socket.bufferedAmount;
  }

  /** One of graphql-ws's own messages, framed by ws; resolves once written. */
  send(message: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!this.isOpen) return resolve();
      this.socket.send(message, (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * Frames built here (text-frame.ts), written to the connection itself: ws's sender never
   * queues (no compression, no blobs), so they keep their place among its own frames. Several
   * leave in one write (the connection is corked around them). False once the socket is closed.
   */
  writeFrames(frames: readonly Buffer[]): boolean {
    if (!this.isOpen) return false;
    if (frames.length === 1) {
      this.connection.write(frames[0]);
      return true;
    }
    this.connection.cork();
    try {
      for (const frame of frames) this.connection.write(frame);
    } finally {
      this.connection.uncork();
    }
    return true;
  }

  ping(): void {
    this.socket.ping();
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  /** Cuts the connection without a closing handshake (a peer that stopped answering). */
  terminate(): void {
    this.socket.terminate();
  }
}

const writers = new WeakMap<WebSocket, SocketWriter>();

/** Gives a socket its writer as it connects; every later writerOf(socket) returns that one. */
export function startWriting(socket: WebSocket, request: IncomingMessage): SocketWriter {
  let writer = writers.get(socket);
  if (!writer) {
    writer = new SocketWriter(socket, request.socket);
    writers.set(socket, writer);
  }
  return writer;
}

/** The writer of a connected socket (startWriting ran when it connected). */
export function writerOf(socket: WebSocket): SocketWriter {
  const found = writers.get(socket);
  if (!found) throw new Error('A socket is written to before it was given its writer.');
  return found;
}

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
   * Text messages, each given as its parts in order, framed here (`textFrame`) and written to
   * the connection itself: ws's sender never queues (no compression, no blobs), so they keep
   * their place among its own frames. Several leave in one write (the connection is corked
   * around them). False once the socket is closed; a closed socket's frames are not even built.
   */
  writeTexts(texts: readonly (readonly Buffer[])[]): boolean {
    if (!this.isOpen) return false;
    const frames = texts.map(textFrame);
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

/**
 * One unmasked, final WebSocket text frame (RFC 6455 §5.2) holding `parts` in order, as one
 * buffer: what ws's sender would write for the same text, built from bytes encoded once
 * instead of a string encoded again for every socket. Server frames are never masked.
 */
export function textFrame(parts: readonly Buffer[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (headerLength === 2) frame[1] = length;
  else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  let offset = headerLength;
  for (const part of parts) offset += part.copy(frame, offset);
  return frame;
}

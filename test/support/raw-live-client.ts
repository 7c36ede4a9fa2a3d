import WebSocket from 'ws';
import { ChangeSignal } from './change-signal';

/**
 * A graphql-ws protocol client that keeps every frame exactly as the server wrote it (for
 * byte-for-byte comparisons), and how the socket ended.
 */
export class RawLiveClient {
  readonly frames: string[] = [];
  closeCode: number | null = null;
  private readonly changes = new ChangeSignal();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.frames.push(data.toString('utf8'));
      this.changes.notify();
    });
    socket.on('close', (code: number) => {
      this.closeCode = code;
      this.changes.notify();
    });
  }

  /** Connects and resolves after `connection_ack`; rejects when the server refuses. */
  static async connect(wsUrl: string, token: string): Promise<RawLiveClient> {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const client = new RawLiveClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () =>
        socket.send(
          JSON.stringify({
            type: 'connection_init',
            payload: { authorization: `Bearer ${token}` },
          }),
        ),
      );
      socket.once('error', reject);
      client
        .until(() => client.frames.some((f) => f.includes('"connection_ack"')), 5_000, 'ack')
        .then(resolve, reject);
    });
    client.frames.length = 0;
    return client;
  }

  subscribe(id: string, query: string, variables: Record<string, unknown>): void {
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  /** Frames of one operation, as written. */
  framesOf(id: string): string[] {
    const prefix = `{"id":${JSON.stringify(id)},`;
    return this.frames.filter((frame) => frame.startsWith(prefix));
  }

  /** Waits until `predicate` holds (checked after every frame and at close). */
  until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return this.changes.until(
      predicate,
      timeoutMs,
      () =>
        `timed out waiting for ${what}; frames ${JSON.stringify(this.frames)}, close ${this.closeCode}`,
    );
  }

  close(): void {
    this.socket.close();
  }
}

import type { ExecutionArgs } from 'graphql';

/** The part of a ws socket an audience writes to. */
export interface LiveSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  close(code?: number, reason?: string): void;
}

/**
 * Where a subscription operation's results go when an audience delivers them itself: the
 * socket and its connection, the operation's id for framing, and what to execute. `audience`
 * is null when the selection must be executed per viewer.
 */
export interface LiveTarget {
  socket: LiveSocket;
  /**
   * The connection under the socket. An audience writes its frames there itself (the socket's
   * sender never queues: no compression, no blobs), corked while several go together, so that
   * they leave in one write instead of one each.
   */
  stream: { cork(): void; uncork(): void; write(frame: Buffer): boolean };
  subscriptionId: string;
  audience: string | null;
  execution: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>;
}

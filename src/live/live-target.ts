import type { ExecutionArgs } from 'graphql';

/** The part of a ws socket an audience writes to. */
export interface LiveSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * Where a subscription operation's results go when an audience delivers them itself: the
 * socket, the operation's id for framing, and what to execute. `audience` is null when the
 * selection must be executed per viewer.
 */
export interface LiveTarget {
  socket: LiveSocket;
  subscriptionId: string;
  audience: string | null;
  execution: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>;
}

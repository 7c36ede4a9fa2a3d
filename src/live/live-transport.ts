import type { OwedRow } from './owed-row';

declare const rendered: unique symbol;
/**
 * One row executed and serialised for a subscription. The domain counts and slices them; only
 * the transport that made them reads their bytes.
 */
export type RenderedRow = { readonly [rendered]: true };

/**
 * A subscription over a socket, as the domain sees it: the live transport
 * (src/server/live-transport/) makes one for every subscription operation. The domain decides
 * who gets which rows and in what order; the outlet executes, serialises, frames and writes.
 */
export interface LiveOutlet {
  /** Subscriptions with the same key get the same bytes; null: executed per viewer. */
  readonly audience: string | null;
  /** The socket is open: it still takes frames. */
  readonly isOpen: boolean;
  /** Bytes waiting to be written to the socket. */
  readonly backlog: number;
  /**
   * Each row's result for this subscription's selection, in order, as its viewer gets it; stops
   * before the first row whose execution has errors (the feed's own path masks and logs them).
   */
  render(rows: Iterable<OwedRow>): Promise<RenderedRow[]>;
  /** Writes the rows (rendered for its audience) to the socket in one write; false once closed. */
  write(rows: readonly RenderedRow[]): boolean;
  /** The subscriber's session ended: the socket closes, which ends every feed on it. */
  endSession(): void;
}

/** A signed-in socket of this instance, for the re-check after a bus outage. */
export interface SignedInSocket {
  readonly sessionId: string;
  /** Its session ended: the socket closes. */
  endSession(): void;
}

/**
 * The live transport of this instance, as the domain calls it (implemented by the server
 * layer, handed to the hub where the server is put together).
 */
export interface LiveTransport {
  /** Every open socket with a session. */
  signedInSockets(): SignedInSocket[];
}

import { execute, type ExecutionArgs } from 'graphql';
import type { Context } from '../../../resolvers/context';
import type { LiveOutlet, RenderedRow } from '../../live/live-transport';
import type { OwedRow } from '../../live/owed-row';
import { CLOSE_FORBIDDEN } from './close-codes';
import type { SocketWriter } from './socket-writer';

/** What a subscription operation executes for each row. */
export type SubscriptionExecution = Pick<
  ExecutionArgs,
  'schema' | 'document' | 'operationName' | 'variableValues'
>;

/** Inside the transport a rendered row is the result's JSON, encoded once for every socket. */
const asRendered = (bytes: Buffer) => bytes as Buffer & RenderedRow;
const bytesOf = (row: RenderedRow) => row as RenderedRow & Buffer;

const FRAME_TAIL = Buffer.from('}');

/**
 * A subscription over a socket, as an audience delivers to it: its selection is executed and
 * serialised once for all subscriptions of its audience, then framed as graphql-ws `next`
 * messages for this subscription's id, which the socket's writer frames and writes.
 */
export class SubscriptionOutlet implements LiveOutlet {
  /** `{"id":…,"type":"next","payload":`, encoded once while the subscription lives. */
  private readonly head: Buffer;

  constructor(
    private readonly writer: SocketWriter,
    subscriptionId: string,
    readonly audience: string | null,
    private readonly execution: SubscriptionExecution,
    /** The operation's context; each row is resolved with its own loaders on top of it. */
    private readonly context: Context,
  ) {
    this.head = Buffer.from(`{"id":${JSON.stringify(subscriptionId)},"type":"next","payload":`);
  }

  get isOpen(): boolean {
    return this.writer.isOpen;
  }

  get backlog(): number {
    return this.writer.backlog;
  }

  async render(rows: Iterable<OwedRow>): Promise<RenderedRow[]> {
    const rendered: RenderedRow[] = [];
    for (const { root, loaders } of rows) {
      const result = await execute({
        ...this.execution,
        rootValue: root,
        // Derived, not spread: spreading would read (and so make) the context's lazy loaders
        // and logger for every subscriber the audience executes for.
        contextValue: Object.create(this.context, { loaders: { value: loaders } }) as Context,
      });
      if (result.errors) break;
      rendered.push(asRendered(Buffer.from(JSON.stringify(result))));
    }
    return rendered;
  }

  write(rows: readonly RenderedRow[]): boolean {
    return this.writer.writeTexts(rows.map((row) => [this.head, bytesOf(row), FRAME_TAIL]));
  }

  endSession(): void {
    this.writer.close(CLOSE_FORBIDDEN, 'Forbidden');
  }
}

import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';

/** What pg keeps of the socket behind a client; `cork` makes the statements one write. */
interface ClientInternals {
  pipeline: boolean;
  connection: { stream: { cork(): void; uncork(): void } };
}

/**
 * Sends `statements` on `client` without waiting for each answer: one write to the server and
 * one round trip, the answers still in order and each statement with its own result or error.
 * This is pg's pipeline mode, switched on only while these statements are in flight. An idle
 * client has no queued or active query, which is the state pipeline mode also returns to, so
 * the switch leaves the client as it found it; COPY streams on other transactions keep the
 * ordinary mode they need. Each statement is its own extended-protocol exchange with its own
 * Sync, so inside a transaction a failure aborts the rest as it would one by one (COMMIT then
 * answers ROLLBACK), and outside one a failure does not stop the others.
 */
export async function sendTogether(
  client: PoolClient,
  statements: (QueryConfig | string)[],
): Promise<QueryResult<QueryResultRow>[]> {
  // Cast: pipeline mode and the connection's stream are pg internals with no types.
  const internals = client as unknown as ClientInternals;
  const stream = internals.connection.stream;
  const wasPipelined = internals.pipeline;
  internals.pipeline = true;
  try {
    let answers: Promise<QueryResult<QueryResultRow>>[];
    stream.cork();
    try {
      answers = statements.map((statement) =>
        typeof statement === 'string' ? client.query(statement) : client.query(statement),
      );
    } finally {
      stream.uncork();
    }
    // Every answer, so that the client is idle again before the mode is switched back.
    const settled = await Promise.allSettled(answers);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<QueryResult<QueryResultRow>>).value);
  } finally {
    internals.pipeline = wasPipelined;
  }
}

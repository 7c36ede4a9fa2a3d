import { Client as PgClient } from 'pg';

/**
 * The statements `run` caused and their round trips, counted at the PostgreSQL client (pg's
 * Client#query sees every statement of every pool in this process). Statements that overlap
 * in time are one round trip. `ignore`: statements left out of both counts. DEBUG_TRIPS=1 prints
 * them.
 */
export async function roundTrips(
  run: () => Promise<unknown>,
  options: { ignore?: RegExp } = {},
): Promise<{
  statements: string[];
  roundTrips: number;
  /** Those from the first BEGIN to the last COMMIT: the transaction's own. */
  transactionRoundTrips: number;
}> {
  const calls: { sql: string; start: number; end: number }[] = [];
  const original = PgClient.prototype.query;
  const spy = jest.spyOn(PgClient.prototype, 'query').mockImplementation(function (
    this: PgClient,
    ...args: unknown[]
  ) {
    const first = args[0] as string | { text: string };
    const call = {
      sql: typeof first === 'string' ? first : first.text,
      start: performance.now(),
      end: Infinity,
    };
    if (!options.ignore?.test(call.sql)) calls.push(call);
    const done = () => {
      call.end = performance.now();
    };
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (...results: unknown[]) => {
        done();
        return (callback as (...r: unknown[]) => unknown)(...results);
      };
    }
    // Cast: the overloads of Client#query cannot be named from a rest argument list.
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) void result.then(done, done);
    return result as never;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  const begin = calls.findIndex((c) => c.sql === 'BEGIN');
  const commit = calls.findLastIndex((c) => c.sql === 'COMMIT');
  if (process.env.DEBUG_TRIPS)
    console.log(
      calls
        .map((c) => `${c.start.toFixed(2)}-${c.end.toFixed(2)} ${c.sql.slice(0, 60)}`)
        .join('\n'),
    );
  return {
    statements: calls.map((c) => c.sql),
    roundTrips: wavesOf(calls),
    transactionRoundTrips:
      begin >= 0 && commit > begin ? wavesOf(calls.slice(begin, commit + 1)) : 0,
  };
}

/** Round trips of these calls: calls that overlap in time share one. */
function wavesOf(calls: { start: number; end: number }[]): number {
  let waves = 0;
  let waveEnd = -Infinity;
  for (const call of [...calls].sort((x, y) => x.start - y.start)) {
    if (call.start >= waveEnd) {
      waves += 1;
      waveEnd = call.end;
    } else waveEnd = Math.max(waveEnd, call.end);
  }
  return waves;
}

import fc from 'fast-check';
import { parse, specifiedRules, validate } from 'graphql';
import { doublingFragments, hostileDocument, paddedDocument } from '../bench/lib/document-shapes';
import {
  documentRounds,
  DOCUMENT_BOUND,
  EXTRA_WORK_MS,
  timeDocument,
  type TimedDocument,
} from '../bench/lib/document-timing';
import { buildSchema } from '../src/server/graphql/build-schema';
import {
  boundedDocumentRule,
  DOCUMENT_GRAPH_LIMITS,
  documentBoundsError,
} from '../src/server/security/document-bounds';
import { operationCost } from '../src/server/security/query-cost';
import { RawSocket } from './support/raw-socket';
import { createScratchDatabase } from './support/scratch-database';
import { startServerProcess, type ServerProcess } from './support/server-process';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';

/**
 * Invariant I9 for documents: the server's work on a document is bounded before it is done
 * and grows at most linearly with the document's size. Generated documents of hostile shape
 * (bench/lib/document-shapes.ts) go to a server in its own process, as production runs it;
 * each answer, accepted or refused, must come within DOCUMENT_BOUND of its size (calibrated in
 * the same run on a padded twin the server reads but never walks), while /healthz stays fast
 * and the event-loop delay the documents add stays under 20 ms.
 */
const RUNS = fuzzRuns(40);
const { seed: SEED } = fuzzSeed(3030);
const schema = buildSchema();

let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let server: ServerProcess;
beforeAll(async () => {
  database = await createScratchDatabase({ migrated: true });
  server = await startServerProcess({ DATABASE_URL: database.url });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

const origin = () => server.url.replace(/\/graphql$/, '');
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

/** The fastest of three timings of `run` (a busy machine delays some requests, not the work). */
async function fastestOf(run: () => Promise<number>): Promise<number> {
  return Math.min(await run(), await run(), await run());
}

/** The bound for a document, from its padded twin timed the same way. */
const boundFrom = (paddedMs: number) => DOCUMENT_BOUND.slack * paddedMs + DOCUMENT_BOUND.floorMs;

/** One operation over a socket: its first message and the time to it. */
async function overSocket(socket: RawSocket, id: string, query: string) {
  const started = performance.now();
  const outcome = await socket.run(id, { query }, { timeoutMs: 60_000, stopAfterFirst: true });
  return { ms: performance.now() - started, outcome };
}

/** /healthz answered in a loop until `stop`; its latencies. */
async function healthzAlongside(stop: () => boolean): Promise<number[]> {
  const times: number[] = [];
  while (!stop()) {
    const started = performance.now();
    await (await fetch(`${origin()}/healthz`)).text();
    times.push(performance.now() - started);
  }
  return times;
}

describe("the issue's document: 24 levels of fragments that each spread the next twice", () => {
  const DOUBLING = doublingFragments(24);

  it('is under a kilobyte and refused over HTTP with 400 and TOO_COMPLEX, within the bound', async () => {
    expect(DOUBLING.length).toBeLessThan(1024);
    const answer = await timeDocument(server.url, DOUBLING);
    expect(answer.status).toBe(400);
    expect(answer.codes).toEqual(['BAD_USER_INPUT']);
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: DOUBLING }),
    });
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0].extensions).toMatchObject({ reason: 'TOO_COMPLEX' });
    const padded = await fastestOf(
      async () => (await timeDocument(server.url, paddedDocument(DOUBLING.length))).ms,
    );
    const ms = await fastestOf(async () => (await timeDocument(server.url, DOUBLING)).ms);
    expect(ms).toBeLessThan(boundFrom(padded));
  });

  it('is refused the same over an anonymous WebSocket, within the bound', async () => {
    const socket = await RawSocket.open(server.wsUrl);
    try {
      const { outcome } = await overSocket(socket, 'first', DOUBLING);
      expect(outcome.closed).toBeNull();
      expect(outcome.messages[0].type).toBe('error');
      const errors = outcome.messages[0].payload as { extensions: Record<string, unknown> }[];
      expect(errors).toHaveLength(1);
      expect(errors[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'TOO_COMPLEX',
      });
      let id = 0;
      const timeOf = (query: string) => async () =>
        (await overSocket(socket, String((id += 1)), query)).ms;
      const padded = await fastestOf(timeOf(paddedDocument(DOUBLING.length)));
      expect(await fastestOf(timeOf(DOUBLING))).toBeLessThan(boundFrom(padded));
    } finally {
      await socket.close();
    }
  });

  it('costs what it fans out to, counted once per fragment (2^30 objects in milliseconds)', () => {
    const document = parse(doublingFragments(30, 'me { id }'));
    const operation = document.definitions[0];
    if (operation.kind !== 'OperationDefinition') throw new Error('no operation');
    const started = performance.now();
    expect(operationCost(schema, document, operation, {})).toBe(2 ** 30);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('every generated document is answered within a linear bound of its size', () => {
  it('over HTTP, with /healthz and the event loop unhurt alongside', async () => {
    let stopped = false;
    const calm = healthzAlongside(() => stopped);
    for (let i = 0; i < 30; i += 1) await timeDocument(server.url, '{ __typename }');
    stopped = true;
    const calmHealthz = await calm;

    const documents = fc.sample(hostileDocument, { numRuns: RUNS, seed: SEED });
    stopped = false;
    const busy = healthzAlongside(() => stopped);
    const rounds = await documentRounds(origin(), server.child.pid!, documents).finally(
      () => (stopped = true),
    );
    const busyHealthz = await busy;
    console.log(
      `loop p99 ${JSON.stringify(rounds.hostileLoopP99)} ms with the documents, ${JSON.stringify(rounds.calmLoopP99)} ms with their padded twins; /healthz p99 ${percentile(busyHealthz, 0.99).toFixed(1)} ms alongside, ${percentile(calmHealthz, 0.99).toFixed(1)} ms before`,
    );

    expect(new Set(documents.map((d) => d.shape)).size).toBeGreaterThanOrEqual(5);
    for (const document of rounds.documents) {
      expect(document.status).toBeLessThan(500);
      expect(document.codes).not.toContain('INTERNAL_SERVER_ERROR');
    }
    const shown = (d: TimedDocument) =>
      `${d.shape} of ${d.bytes} bytes: ${d.cpuMs.toFixed(1)} ms of CPU, its twin ${d.paddedCpuMs.toFixed(1)} ms`;
    expect(rounds.documents.filter((d) => d.cpuMs > d.boundMs).map(shown)).toEqual([]);
    // The event loop: a document cannot hold it longer than the CPU it costs, so what it costs
    // beyond its twin bounds what it adds to the loop's delay. (The served loop-delay figures
    // are logged above: on a machine shared with other work they measure the machine more
    // than the server.)
    expect(
      rounds.documents.filter((d) => d.cpuMs - d.paddedCpuMs >= EXTRA_WORK_MS).map(shown),
    ).toEqual([]);
    // /healthz waits at most for the event loop (the document held it 3.2 s).
    expect(percentile(busyHealthz, 0.99)).toBeLessThan(3 * percentile(calmHealthz, 0.99) + 100);
  }, 600_000);

  it('over an anonymous WebSocket: the same answers, never a closed socket, within the bound', async () => {
    const socket = await RawSocket.open(server.wsUrl);
    let id = 0;
    try {
      await fc.assert(
        fc.asyncProperty(hostileDocument, async ({ shape, query }) => {
          const timeOf = (text: string) => async () => {
            const { ms, outcome } = await overSocket(socket, String((id += 1)), text);
            expect(outcome.closed).toBeNull();
            const payload = outcome.messages[0]?.payload as
              | { extensions?: Record<string, unknown> }[]
              | { errors?: { extensions?: Record<string, unknown> }[] };
            const errors = Array.isArray(payload) ? payload : (payload?.errors ?? []);
            for (const error of errors) {
              expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
            }
            return ms;
          };
          const bound = boundFrom(await fastestOf(timeOf(paddedDocument(query.length))));
          const ms = await timeOf(query)();
          if (ms > bound && (await fastestOf(timeOf(query))) > bound) {
            throw new Error(
              `${shape} of ${query.length} bytes took ${ms.toFixed(1)} ms, bound ${bound.toFixed(1)} ms`,
            );
          }
        }),
        { numRuns: Math.ceil(RUNS / 2), seed: SEED },
      );
    } finally {
      await socket.close();
    }
  }, 600_000);
});

describe('the bounds pass', () => {
  const refusal = (query: string) => documentBoundsError(schema, parse(query));

  it.each([
    [
      'too many fragments',
      `{ ...G0 } ${Array.from({ length: DOCUMENT_GRAPH_LIMITS.maxFragments + 1 }, (_, i) => `fragment G${i} on Query { __typename }`).join(' ')}`,
    ],
    [
      'fragments nested too deeply',
      `{ ...F0 } ${Array.from({ length: DOCUMENT_GRAPH_LIMITS.maxFragmentNesting + 1 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} }`).join(' ')} fragment F${DOCUMENT_GRAPH_LIMITS.maxFragmentNesting + 1} on Query { __typename }`,
    ],
    ['fan-out past the expanded-field limit', doublingFragments(13)],
    [
      'one response key too many times in a selection set',
      `{ ${'me { id } '.repeat(DOCUMENT_GRAPH_LIMITS.maxSameResponseKey + 1)}}`,
    ],
    [
      'one response key too many times through inline fragments',
      `{ ${'... on Query { me { id } } '.repeat(DOCUMENT_GRAPH_LIMITS.maxSameResponseKey + 1)}}`,
    ],
  ])('refuses %s with TOO_COMPLEX', (_what, query) => {
    expect(refusal(query)?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'TOO_COMPLEX',
    });
  });

  it('refuses a cycle without walking it forever', () => {
    const error = refusal('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }');
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(error?.message).toMatch(/within itself/);
  });

  it('refuses fan-out over the cost budget before validation, and counts first: $n as 1 there', () => {
    const pages = (first: string) =>
      `query ($n: Int) { ...P } fragment P on Query { me { teams { team { items(first: ${first}) { edges { node { team { activity(first: ${first}) { edges { node { id } } } } } } } } } } }`;
    expect(refusal(pages('100'))?.extensions).toMatchObject({ reason: 'COST_LIMIT' });
    // The variables decide later, once coerced (transport-contract.test.ts).
    expect(refusal(pages('$n'))).toBeNull();
  });

  it('passes the limits at their edge', () => {
    expect(
      refusal(`{ ${'me { id } '.repeat(DOCUMENT_GRAPH_LIMITS.maxSameResponseKey)}}`),
    ).toBeNull();
    expect(refusal(doublingFragments(11))).toBeNull();
  });

  it('hides a refused document from every other rule', () => {
    const unknownField = `${doublingFragments(24)} fragment X on Query { noSuchField }`;
    const errors = validate(schema, parse(unknownField), [
      boundedDocumentRule(),
      ...specifiedRules,
    ]);
    expect(errors.map((e) => e.extensions.reason)).toEqual(['TOO_COMPLEX']);
  });

  it('ends validation past its time budget with TOO_COMPLEX, skipping the rest', () => {
    const query = `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: me { id displayName }`).join(' ')} noSuchField }`;
    const errors = validate(schema, parse(query), [boundedDocumentRule(0), ...specifiedRules]);
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_COMPLEX' });
  });
});

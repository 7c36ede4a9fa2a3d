import { paddedDocument } from './document-shapes';
import { postGraphql } from './graphql';
import { readCpuSeconds } from './processes';
import { loopDelay } from './served-metrics';

/**
 * The linear bound on a document's server time (the CPU the server process spends answering
 * it): SLACK times what its padded twin (the same size, read by the parser, walked by nothing)
 * costs, plus FLOOR_MS. CPU time rather than wall time: on a machine shared with other work a
 * request waits for a core, but the work it costs stays the same.
 */
export const DOCUMENT_BOUND = { slack: 10, floorMs: 20 } as const;

/**
 * What a document may cost beyond its padded twin: all the work it adds to reading its bytes,
 * so also the longest it can hold the event loop.
 */
export const EXTRA_WORK_MS = 20;

/** Answers per measurement: the kernel counts CPU time in 10 ms ticks. */
const REPEATS = 5;

export interface DocumentAnswer {
  ms: number;
  status: number;
  codes: string[];
}

/** Sends one document over HTTP and times its answer, read to the end. */
export async function timeDocument(url: string, query: string): Promise<DocumentAnswer> {
  const started = performance.now();
  const response = await postGraphql(url, query);
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  return {
    ms: performance.now() - started,
    status: response.status,
    codes: (body.errors ?? []).map((e) => e.extensions?.code ?? 'NONE'),
  };
}

/** The server process's CPU milliseconds per answer to `query`, over `repeats` answers. */
async function cpuPerAnswer(url: string, pid: number, query: string, repeats: number) {
  const before = readCpuSeconds(pid);
  for (let i = 0; i < repeats; i += 1) await timeDocument(url, query);
  return ((readCpuSeconds(pid) - before) * 1000) / repeats;
}

export interface TimedDocument extends DocumentAnswer {
  shape: string;
  bytes: number;
  /** Server CPU per answer, the document's and its padded twin's. */
  cpuMs: number;
  paddedCpuMs: number;
  boundMs: number;
}

export interface DocumentRounds {
  documents: TimedDocument[];
  /** Event-loop delay p99 (ms) of each round of padded documents, and of each hostile round. */
  calmLoopP99: number[];
  hostileLoopP99: number[];
  hostileLoopMax: number;
}

const overBound = (d: TimedDocument) =>
  d.cpuMs > d.boundMs || d.cpuMs - d.paddedCpuMs >= EXTRA_WORK_MS;

/**
 * Alternating rounds of `perRound` documents against the server process `pid`: first their
 * padded twins, then the documents themselves, each measured in server CPU per answer (a
 * document over its bound is measured once more, twice as long, and the lower figure kept),
 * the event-loop delay read from /metrics after each round.
 */
export async function documentRounds(
  origin: string,
  pid: number,
  documents: { shape: string; query: string }[],
  perRound = 10,
): Promise<DocumentRounds> {
  const url = `${origin}/graphql`;
  const result: DocumentRounds = {
    documents: [],
    calmLoopP99: [],
    hostileLoopP99: [],
    hostileLoopMax: 0,
  };
  for (let start = 0; start < documents.length; start += perRound) {
    const round = documents.slice(start, start + perRound);
    await loopDelay(origin);
    const padded: number[] = [];
    for (const { query } of round) {
      padded.push(await cpuPerAnswer(url, pid, paddedDocument(query.length), REPEATS));
    }
    result.calmLoopP99.push((await loopDelay(origin)).p99Ms);
    for (const [i, { shape, query }] of round.entries()) {
      const answer = await timeDocument(url, query);
      const timed: TimedDocument = {
        shape,
        bytes: query.length,
        ...answer,
        cpuMs: await cpuPerAnswer(url, pid, query, REPEATS),
        paddedCpuMs: padded[i],
        boundMs: DOCUMENT_BOUND.slack * padded[i] + DOCUMENT_BOUND.floorMs,
      };
      if (overBound(timed)) {
        timed.cpuMs = Math.min(timed.cpuMs, await cpuPerAnswer(url, pid, query, 2 * REPEATS));
      }
      result.documents.push(timed);
    }
    const delay = await loopDelay(origin);
    result.hostileLoopP99.push(delay.p99Ms);
    result.hostileLoopMax = Math.max(result.hostileLoopMax, delay.maxMs);
  }
  return result;
}

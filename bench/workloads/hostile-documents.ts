import fc from 'fast-check';
import { hostileDocument } from '../lib/document-shapes';
import { DOCUMENT_BOUND, documentRounds, EXTRA_WORK_MS } from '../lib/document-timing';
import { createScratchDatabase } from '../lib/postgres';
import { startTeamgraph } from '../lib/processes';
import { round } from '../lib/stats';
import type { Workload } from '../lib/workload';

/** Fixed, so every run times the same documents. */
const SEED = 3030;

/**
 * Invariant I9: generated documents of hostile shape (fragment fan-out, repeated response
 * keys, deep nesting, piles of aliases, directives, variables and arguments), each timed next
 * to a padded twin of its size that the server reads but never walks. Reports the worst server CPU time
 * per KiB (documents under 1 KiB count as 1 KiB), the worst ratio to the twin, and the
 * event-loop delay while they run against rounds of twins alone.
 */
export const hostileDocuments: Workload = {
  id: 9,
  name: 'hostile-documents',
  title: 'Hostile documents: server time per KiB and event-loop delay',
  async run({ options, postgres, scope, log }) {
    const count = options.quick ? 60 : 400;
    const db = scope.add(await createScratchDatabase(postgres, 'documents'), (d) => d.drop());
    const server = scope.add(await startTeamgraph(options, 'teamgraph-documents', db.url), (s) =>
      s.stop(),
    );
    const documents = fc.sample(hostileDocument, { numRuns: count, seed: SEED });
    await documentRounds(server.origin, server.pid, documents.slice(0, 10)); // warm-up
    const rounds = await documentRounds(server.origin, server.pid, documents);
    const perKib = rounds.documents.map((d) => ({
      ...d,
      msPerKib: d.ms / Math.max(1, d.bytes / 1024),
    }));
    const worst = perKib.reduce((a, b) => (b.msPerKib > a.msPerKib ? b : a));
    const worstExtra = Math.max(...rounds.documents.map((d) => d.cpuMs - d.paddedCpuMs));
    const overBound = rounds.documents.filter((d) => d.cpuMs > d.boundMs).length;
    const hostileP99 = Math.max(...rounds.hostileLoopP99);
    const calmP99 = Math.max(...rounds.calmLoopP99);
    const largest = Math.max(...rounds.documents.map((d) => d.bytes));
    log(
      `  worst ${round(worst.msPerKib, 2)} ms/KiB (${worst.shape}, ${worst.bytes} bytes, ${round(worst.cpuMs, 1)} ms of CPU); loop p99 ${hostileP99} ms (max ${rounds.hostileLoopMax} ms) vs ${calmP99} ms`,
    );
    return {
      rows: [
        {
          measure: `worst server time per KiB, ${count} generated documents (up to ${round(largest / 1024, 1)} KiB)`,
          teamgraph: `${round(worst.msPerKib, 2)} ms/KiB (${worst.shape}); worst beyond its twin ${round(worstExtra, 1)} ms`,
          baseline: `${round(worst.paddedCpuMs, 2)} ms padded twin`,
          ratio: round(worst.cpuMs / Math.max(0.1, worst.paddedCpuMs), 2),
          target: `every document ≤ ${DOCUMENT_BOUND.slack}× twin + ${DOCUMENT_BOUND.floorMs} ms, ≤ twin + ${EXTRA_WORK_MS} ms`,
          met: overBound === 0 && worstExtra < EXTRA_WORK_MS,
        },
        {
          measure: 'event-loop delay p99 while they run',
          teamgraph: `${hostileP99} ms (max ${rounds.hostileLoopMax} ms)`,
          baseline: `${calmP99} ms with twins alone`,
          ratio: round(hostileP99 / Math.max(1, calmP99), 2),
          target: '< 20 ms',
          met: hostileP99 < 20,
        },
      ],
      metrics: {
        worst,
        worstExtra,
        overBound,
        calmLoopP99: rounds.calmLoopP99,
        hostileLoopP99: rounds.hostileLoopP99,
        hostileLoopMax: rounds.hostileLoopMax,
      },
      notes: [
        `Documents from bench/lib/document-shapes.ts (seed ${SEED}), one at a time over HTTP, anonymous; server time is the server process's CPU per answer over 5 answers (10 when over its bound, the lower kept), next to its padded twin's. Rounds of 10, loop delay from /metrics (prom-client, 10 ms resolution) after each round; worst round reported.`,
      ],
    };
  },
};

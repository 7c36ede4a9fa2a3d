import { performance } from 'node:perf_hooks';
import { gql } from '../lib/graphql';
import { createScratchDatabase } from '../lib/postgres';
import { startTeamgraph } from '../lib/processes';
import { createUsers } from '../lib/seed';
import { round, summarize } from '../lib/stats';
import type { Workload } from '../lib/workload';

const REQUEST = `mutation ($email: String!) { requestPasswordReset(email: $email) }`;

/**
 * requestPasswordReset must not tell, by its timing, whether an address has an account. Known
 * and unknown addresses are requested alternately, one at a time, on one server; the unknown
 * address is the baseline, so the ratio is known ÷ unknown latency in the same run.
 */
export const resetTiming: Workload = {
  id: 7,
  name: 'reset-timing',
  title: 'Password reset: known vs unknown address latency',
  async run({ options, postgres, scope, log }) {
    const rounds = options.quick ? 150 : 600;
    const db = scope.add(await createScratchDatabase(postgres, 'reset'), (d) => d.drop());
    const server = scope.add(await startTeamgraph(options, 'teamgraph-reset', db.url), (s) =>
      s.stop(),
    );
    const users = await createUsers(db.pool, rounds, 'reset');
    const url = `${server.origin}/graphql`;
    const known: number[] = [];
    const unknown: number[] = [];
    const timed = async (email: string, into: number[]) => {
      const started = performance.now();
      await gql(url, REQUEST, { email });
      into.push(performance.now() - started);
    };
    // Warm-up, then alternate so both kinds see the same machine load.
    for (let i = 0; i < 20; i += 1) await timed(`warm-${i}@bench.example.com`, []);
    for (let i = 0; i < rounds; i += 1) {
      await timed(users[i].email, known);
      await timed(`nobody-${i}@bench.example.com`, unknown);
    }
    const k = summarize(known);
    const u = summarize(unknown);
    const ratio = k.p50 / Math.max(0.001, u.p50);
    log(`known p50 ${round(k.p50, 2)} ms, unknown p50 ${round(u.p50, 2)} ms`);
    return {
      rows: [
        {
          measure: `p50 latency, ${rounds} requests each, alternating`,
          teamgraph: `${round(k.p50, 2)} ms known address`,
          baseline: `${round(u.p50, 2)} ms unknown address`,
          ratio: round(ratio, 2),
          target: 'within 0.8–1.25×',
          met: ratio >= 0.8 && ratio <= 1.25,
        },
        {
          measure: 'p90 latency',
          teamgraph: `${round(k.p90, 2)} ms`,
          baseline: `${round(u.p90, 2)} ms`,
          ratio: round(k.p90 / Math.max(0.001, u.p90), 2),
          target: 'reported',
          met: null,
        },
      ],
      metrics: { known: k, unknown: u, rounds },
      notes: [
        'The e-mail for a known address is sent after commit and not awaited, so delivery time is not part of the answer.',
      ],
    };
  },
};

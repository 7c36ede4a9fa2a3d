import type { PhaseResult } from '../lib/fan-out-phases';
import { createScratchDatabase } from '../lib/postgres';
import { startTeamgraph } from '../lib/processes';
import { round } from '../lib/stats';
import type { Workload } from '../lib/workload';
import { fmtLatency, measureTeamgraph, oneTeamSizes, seedFanOut } from './fan-out';
import { BENCH_REDIS_URL, redisAnswers } from '../lib/redis-answers';

const REDIS_URL = BENCH_REDIS_URL;

interface SingleInstance {
  single: PhaseResult;
  burst: PhaseResult;
}

export const redisFanOut: Workload = {
  id: 3,
  name: 'redis-fan-out',
  title: 'Two instances over Redis',
  async run(ctx) {
    const { options, postgres, scope, shared } = ctx;
    if (!(await redisAnswers(REDIS_URL))) {
      return {
        rows: [],
        metrics: {},
        notes: [],
        skipped: `no Redis answers at ${new URL(REDIS_URL).host}`,
      };
    }
    const { subscribers, mutations, singleEvents } = oneTeamSizes(options);
    const plan = { singleEvents, burstRounds: mutations, concurrency: 1 };
    const db = scope.add(await createScratchDatabase(postgres, 'redis'), (d) => d.drop());
    // A runs the migrations; B starts once the schema exists.
    const a = scope.add(
      await startTeamgraph(options, 'teamgraph-redis-a', db.url, { REDIS_URL }),
      (s) => s.stop(),
    );
    // B starts while the data is built; a failed start surfaces where it is awaited.
    const bStarting = startTeamgraph(options, 'teamgraph-redis-b', db.url, {
      REDIS_URL,
      MIGRATE_ON_START: 'off',
    });
    // Stopped with the workload even if it fails first; errors surface where it is awaited.
    bStarting.then(
      (p) => scope.add(p, (s) => s.stop()),
      () => undefined,
    );
    const { teams, itemIds } = await seedFanOut(db, subscribers, subscribers, 'redis');

    let referenceSource = 'the single-instance run of workload 2 in this run';
    let reference = shared.singleInstance as (SingleInstance & { subscribers: number }) | undefined;
    if (!reference || reference.subscribers !== subscribers) {
      const alone = scope.add(
        await startTeamgraph(options, 'teamgraph-single-ref', db.url, { MIGRATE_ON_START: 'off' }),
        (s) => s.stop(),
      );
      const measured = await measureTeamgraph(ctx, [alone], teams, itemIds, plan);
      await alone.stop();
      reference = { single: measured.single as PhaseResult, burst: measured.burst, subscribers };
      referenceSource = 'one instance measured first in this workload, on the same data';
    }
    const b = await bStarting;
    // Subscribers alternate between A and B; every mutation goes to A.
    const two = await measureTeamgraph(ctx, [a, b], teams, itemIds, plan);
    const single = two.single as PhaseResult;
    const added = single.latency.p99 - reference.single.latency.p99;
    const notes = [
      `1 team × ${subscribers} subscribers, half on instance A and half on B (REDIS_URL ${new URL(REDIS_URL).host}); every mutation on A, so B's half only hears of it through Redis. The reference is ${referenceSource}.`,
    ];
    if (!single.complete || !two.burst.complete) {
      notes.push(
        `Incomplete delivery over Redis: single ${single.received}/${single.expected}, burst ${two.burst.received}/${two.burst.expected}.`,
      );
    }
    const burstRatio = two.burst.messagesPerSecond / Math.max(1, reference.burst.messagesPerSecond);
    return {
      rows: [
        {
          measure: `1 team × ${subscribers}, one event at a time: p99 (ratio: two instances ÷ one)`,
          teamgraph: `${fmtLatency(single)} (A+B over Redis)`,
          baseline: `${fmtLatency(reference.single)} (one instance)`,
          ratio: round(single.latency.p99 / Math.max(1, reference.single.latency.p99), 2),
          target: '≤ 1.1×',
          met: single.complete && single.latency.p99 <= 1.1 * reference.single.latency.p99,
        },
        {
          measure: `${mutations} mutations back to back, delivered msgs/s (ratio: two ÷ one)`,
          teamgraph: `${two.burst.messagesPerSecond} msg/s (${fmtLatency(two.burst)})`,
          baseline: `${reference.burst.messagesPerSecond} msg/s (${fmtLatency(reference.burst)})`,
          ratio: round(burstRatio, 2),
          target: 'reported',
          met: null,
        },
      ],
      notes,
      metrics: { twoInstances: two, singleInstance: reference, addedP99Ms: added },
    };
  },
};

import {
  broadcastPublication,
  frameTemplate,
  publishAlone,
  runPhases,
  TEAM_ACTIVITY_SUBSCRIPTION,
  updateItemPublication,
  WARM_UP_EVENTS,
  type PhaseResult,
  type Publication,
} from '../lib/fan-out-phases';
import { Fleet } from '../lib/fleet';
import { gql } from '../lib/graphql';
import { createScratchDatabase, type ScratchDatabase } from '../lib/postgres';
import {
  startBroadcastBaseline,
  startTeamgraph,
  startTypicalStackBaseline,
  type ServerProcess,
} from '../lib/processes';
import { servedMetric } from '../lib/served-metrics';
import { FAN_OUT_PARTS, type BenchOptions } from '../lib/options';
import type { ResultRow } from '../lib/report';
import { createItemsSql, createTeams, createUsers, type BenchTeam } from '../lib/seed';
import { round, sleep } from '../lib/stats';
import type { Workload, WorkloadContext } from '../lib/workload';

const wsUrl = (server: ServerProcess) => `${server.origin.replace(/^http/, 'ws')}/graphql`;
export const fmtLatency = (p: PhaseResult) =>
  `p50 ${round(p.latency.p50, 0)} / p99 ${round(p.latency.p99, 0)} ms`;

/** The one-team measurement's sizes, shared with the two-instance run that compares against it. */
export const oneTeamSizes = (options: BenchOptions) => ({
  subscribers: options.quick ? 200 : 1000,
  mutations: options.quick ? 20 : 200,
  singleEvents: options.quick ? 3 : 30,
});

interface SideResult {
  single?: PhaseResult;
  burst: PhaseResult;
  connectMs: number;
  /** CPU the server process used while the subscribers connected (steadier than time on a shared machine). */
  connectCpuSeconds?: number;
  bytesPerSocket?: number;
  /** The burst's mutations again once every socket has gone (see publishAlone). */
  alone?: { events: number; seconds: number; eventsPerSecond: number };
}

/** Connects one subscriber per member, checks every one of them receives a first event, then measures. */
export async function measureTeamgraph(
  ctx: WorkloadContext,
  servers: ServerProcess[],
  teams: BenchTeam[],
  itemIds: Map<string, string>,
  plan: { singleEvents: number; burstRounds: number; concurrency: number; alone?: boolean },
): Promise<SideResult & { frame: string }> {
  const fleet = ctx.scope.add(Fleet.start(ctx.options), (f) => f.stop());
  const [server] = servers;
  const subscribers = teams.flatMap((t) =>
    t.members.map((m) => ({ token: m.token, teamId: t.id })),
  );
  // Warm the schema and resolvers before taking the memory baseline.
  await gql(`${server.origin}/graphql`, '{ me { id } }', {}, teams[0].owner.token);
  await sleep(500);
  const rssBefore = server.rss();
  const cpuBefore = server.cpuSeconds();
  const connected = await fleet.connect(
    servers.map(wsUrl),
    'graphql-ws',
    subscribers,
    TEAM_ACTIVITY_SUBSCRIPTION,
  );
  const connectCpuSeconds = server.cpuSeconds() - cpuBefore;
  await sleep(ctx.options.quick ? 1000 : 2000);
  const bytesPerSocket = (server.rss() - rssBefore) / subscribers.length;
  ctx.log(
    `  teamgraph: ${connected.connected} subscribers in ${connected.ms} ms (server CPU ${round(connectCpuSeconds, 1)} s)`,
  );
  const url = `${server.origin}/graphql`;
  const publications: Publication[] = teams.map((t) =>
    updateItemPublication(url, itemIds.get(t.id) ?? '', t.owner.token, t.members.length),
  );
  // Every subscription is live once every socket has its first event.
  const { warm, single, burst } = await runPhases(fleet, publications, plan, 'warm-up');
  let alone: SideResult['alone'];
  if (plan.alone) {
    await channelsGone(server);
    alone = await publishAlone(publications, plan.burstRounds, plan.concurrency);
  }
  return {
    single,
    burst,
    alone,
    connectMs: connected.ms,
    connectCpuSeconds,
    bytesPerSocket,
    frame: frameTemplate(warm.sampleFrame),
  };
}

/** Waits until the server holds no team channel (its sockets' closes were all handled). */
async function channelsGone(server: ServerProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if ((await servedMetric(server.origin, 'teamgraph_live_team_channels')) === 0) return;
    await sleep(50);
  }
  throw new Error('the server still holds team channels after its subscribers closed');
}

async function measureBroadcast(
  ctx: WorkloadContext,
  teams: BenchTeam[],
  frame: string,
  plan: { singleEvents: number; burstRounds: number; concurrency: number },
): Promise<SideResult> {
  const server = ctx.scope.add(await startBroadcastBaseline(ctx.options), (s) => s.stop());
  const fleet = ctx.scope.add(Fleet.start(ctx.options), (f) => f.stop());
  const subscribers = teams.flatMap((t) =>
    t.members.map((m) => ({ token: m.token, teamId: t.id })),
  );
  await sleep(300);
  const rssBefore = server.rss();
  const cpuBefore = server.cpuSeconds();
  const connected = await fleet.connect(
    [server.origin.replace(/^http/, 'ws')],
    'bare',
    subscribers,
  );
  const connectCpuSeconds = server.cpuSeconds() - cpuBefore;
  await sleep(ctx.options.quick ? 1000 : 2000);
  const bytesPerSocket = (server.rss() - rssBefore) / subscribers.length;
  ctx.log(
    `  broadcast baseline: ${connected.connected} subscribers in ${connected.ms} ms (server CPU ${round(connectCpuSeconds, 1)} s)`,
  );
  const publications = teams.map((t) =>
    broadcastPublication(server.origin, t.id, frame, t.members.length),
  );
  const { single, burst } = await runPhases(fleet, publications, plan, null);
  await server.stop();
  return { single, burst, connectMs: connected.ms, connectCpuSeconds, bytesPerSocket };
}

/**
 * Waits until the typical stack has started `count` subscriptions. Its sockets count as
 * connected once their subscribe message is sent, while the membership check that precedes
 * the subscription may still be running; an event published then misses that subscriber.
 */
async function subscriptionsStarted(server: ServerProcess, count: number): Promise<void> {
  let started = 0;
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const response = await fetch(`${server.origin}/subscriptions`);
    ({ started } = (await response.json()) as { started: number });
    if (started >= count) return;
    await sleep(50);
  }
  throw new Error(`the typical stack started ${started} of ${count} subscriptions`);
}

/**
 * The typical stack (Apollo Server + graphql-ws + PubSub, membership checked at subscribe
 * only) on the same data, subscribers and mutations as teamgraph.
 */
async function measureTypicalStack(
  ctx: WorkloadContext,
  databaseUrl: string,
  teams: BenchTeam[],
  itemIds: Map<string, string>,
  plan: { singleEvents: number; burstRounds: number; concurrency: number },
): Promise<SideResult> {
  const server = ctx.scope.add(await startTypicalStackBaseline(ctx.options, databaseUrl), (s) =>
    s.stop(),
  );
  const fleet = ctx.scope.add(Fleet.start(ctx.options), (f) => f.stop());
  const subscribers = teams.flatMap((t) =>
    t.members.map((m) => ({ token: m.token, teamId: t.id })),
  );
  const connected = await fleet.connect(
    [wsUrl(server)],
    'graphql-ws',
    subscribers,
    TEAM_ACTIVITY_SUBSCRIPTION,
  );
  ctx.log(`  typical stack: ${connected.connected} subscribers in ${connected.ms} ms`);
  await subscriptionsStarted(server, subscribers.length);
  const url = `${server.origin}/graphql`;
  const publications = teams.map((t) =>
    updateItemPublication(url, itemIds.get(t.id) ?? '', t.owner.token, t.members.length),
  );
  const { single, burst } = await runPhases(fleet, publications, plan, 'typical stack warm-up');
  await server.stop();
  return { single, burst, connectMs: connected.ms };
}

/**
 * Users, teams of `size` and one item per team, in SQL, then ANALYZE: the planner sees the
 * tables as a running deployment's would be seen once autovacuum has analyzed them, not as
 * the empty tables they were a moment before.
 */
export async function seedFanOut(
  db: ScratchDatabase,
  subscribers: number,
  size: number,
  label: string,
) {
  const users = await createUsers(db.pool, subscribers, label);
  const teams = await createTeams(db.pool, users, size, label);
  const itemIds = await createItemsSql(db.pool, teams);
  await db.pool.query('ANALYZE');
  return { teams, itemIds };
}

interface PartOutcome {
  rows: ResultRow[];
  notes: string[];
  metrics: Record<string, unknown>;
}

interface Sizes {
  oneTeam: number;
  mutations: number;
  singleEvents: number;
  manyTeams: number;
  teamSize: number;
  hugeTeam: number;
}

/** 1 team × oneTeam subscribers; the owner publishes. Against the bare broadcast and the typical stack. */
async function oneTeamPart(
  ctx: WorkloadContext,
  { oneTeam, mutations, singleEvents }: Sizes,
): Promise<PartOutcome & { single: PhaseResult }> {
  const { options, postgres, scope, shared } = ctx;
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  const db1 = scope.add(await createScratchDatabase(postgres, 'fanout1'), (d) => d.drop());
  const tg1 = scope.add(await startTeamgraph(options, 'teamgraph-fanout-1team', db1.url), (s) =>
    s.stop(),
  );
  const one = await seedFanOut(db1, oneTeam, oneTeam, 'fan1');
  const plan1 = { singleEvents, burstRounds: mutations, concurrency: 1 };
  const tgOne = await measureTeamgraph(ctx, [tg1], one.teams, one.itemIds, plan1);
  await tg1.stop();
  const baseOne = await measureBroadcast(ctx, one.teams, tgOne.frame, plan1);
  const typicalOne = await measureTypicalStack(ctx, db1.url, one.teams, one.itemIds, plan1);
  const single = tgOne.single as PhaseResult;
  const baseSingle = baseOne.single as PhaseResult;
  shared.singleInstance = {
    single,
    burst: tgOne.burst,
    subscribers: oneTeam,
    mutations,
    singleEvents,
  };
  const burstRatio = tgOne.burst.messagesPerSecond / baseOne.burst.messagesPerSecond;
  const typicalRatio = tgOne.burst.messagesPerSecond / typicalOne.burst.messagesPerSecond;
  const typicalSingle = typicalOne.single as PhaseResult;
  rows.push(
    {
      measure: `1 team × ${oneTeam}: one event at a time (${singleEvents} events), commit → client`,
      teamgraph: fmtLatency(single),
      baseline: `${fmtLatency(baseSingle)} (bare ws broadcast); typical stack ${fmtLatency(typicalSingle)}`,
      ratio: round(single.latency.p99 / Math.max(1, baseSingle.latency.p99), 2),
      target: 'p99 < 50 ms',
      met: single.complete && single.latency.p99 < 50,
    },
    {
      measure: `1 team × ${oneTeam}: ${mutations} mutations back to back, delivered msgs/s vs the typical stack`,
      teamgraph: `${tgOne.burst.messagesPerSecond} msg/s (${fmtLatency(tgOne.burst)})`,
      baseline: `${typicalOne.burst.messagesPerSecond} msg/s (${fmtLatency(typicalOne.burst)}) (Apollo + graphql-ws + PubSub, subscribe-time check only)`,
      ratio: round(typicalRatio, 2),
      target: '≥ 2.5×',
      met: tgOne.burst.complete && typicalRatio >= 2.5,
    },
    {
      measure: `1 team × ${oneTeam}: ${mutations} mutations back to back, delivered msgs/s`,
      teamgraph: `${tgOne.burst.messagesPerSecond} msg/s (${fmtLatency(tgOne.burst)})`,
      baseline: `${baseOne.burst.messagesPerSecond} msg/s (${fmtLatency(baseOne.burst)})`,
      ratio: round(burstRatio, 2),
      target: '≥ 0.5×',
      met: tgOne.burst.complete && burstRatio >= 0.5,
    },
  );
  for (const [label, phase] of [
    ['single', single],
    ['burst', tgOne.burst],
  ] as const) {
    if (!phase.complete) {
      notes.push(
        `1-team ${label} phase incomplete: ${phase.received} of ${phase.expected} deliveries (per socket ${phase.minPerSocket}–${phase.maxPerSocket}).`,
      );
    }
  }
  await db1.drop().catch(() => undefined);
  return {
    rows,
    notes,
    single,
    metrics: { oneTeam: { teamgraph: tgOne, baseline: baseOne, typicalStack: typicalOne } },
  };
}

/**
 * manyTeams teams × teamSize subscribers: one mutation per team, 8 publishers at once, against
 * the bare broadcast and the typical stack; memory and connect time.
 */
async function manyTeamsPart(
  ctx: WorkloadContext,
  { manyTeams, teamSize }: Sizes,
): Promise<PartOutcome> {
  const { options, postgres, scope } = ctx;
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  const db2 = scope.add(await createScratchDatabase(postgres, 'fanout2'), (d) => d.drop());
  const tg2 = scope.add(await startTeamgraph(options, 'teamgraph-fanout-teams', db2.url), (s) =>
    s.stop(),
  );
  const many = await seedFanOut(db2, manyTeams * teamSize, teamSize, 'fan2');
  const plan2 = { singleEvents: 0, burstRounds: 1, concurrency: 8 };
  const tgMany = await measureTeamgraph(ctx, [tg2], many.teams, many.itemIds, {
    ...plan2,
    alone: true,
  });
  await tg2.stop();
  const baseMany = await measureBroadcast(ctx, many.teams, tgMany.frame, plan2);
  const typicalMany = await measureTypicalStack(ctx, db2.url, many.teams, many.itemIds, plan2);
  const manyRatio = tgMany.burst.messagesPerSecond / baseMany.burst.messagesPerSecond;
  const manyTypicalRatio = tgMany.burst.messagesPerSecond / typicalMany.burst.messagesPerSecond;
  const subscribers = manyTeams * teamSize;
  const aloneRate = (tgMany.alone?.eventsPerSecond ?? 0) * teamSize;
  const kib = (bytes?: number) => round((bytes ?? 0) / 1024, 1);
  rows.push(
    {
      measure: `${manyTeams} teams × ${teamSize} (${subscribers} subscribers): one mutation per team, 8 publishers`,
      teamgraph: `${tgMany.burst.messagesPerSecond} msg/s (${fmtLatency(tgMany.burst)})`,
      baseline: `${baseMany.burst.messagesPerSecond} msg/s (${fmtLatency(baseMany.burst)})`,
      ratio: round(manyRatio, 2),
      target: '≥ 0.5×',
      met: tgMany.burst.complete && manyRatio >= 0.5,
    },
    {
      measure: `${manyTeams} teams × ${teamSize}: delivered msgs/s vs the typical stack`,
      teamgraph: `${tgMany.burst.messagesPerSecond} msg/s (${fmtLatency(tgMany.burst)})`,
      baseline: `${typicalMany.burst.messagesPerSecond} msg/s (${fmtLatency(typicalMany.burst)}) (Apollo + graphql-ws + PubSub, subscribe-time check only)`,
      ratio: round(manyTypicalRatio, 2),
      target: '≥ 2×',
      met: tgMany.burst.complete && manyTypicalRatio >= 2,
    },
    {
      measure: `${manyTeams} teams × ${teamSize}: the same mutations with no subscriber, as msg/s had each reached ${teamSize} (ceiling ÷ bare)`,
      teamgraph: `${aloneRate} msg/s (${tgMany.alone?.eventsPerSecond ?? 0} mutations/s)`,
      baseline: `${baseMany.burst.messagesPerSecond} msg/s (bare ws broadcast, above)`,
      ratio: round(aloneRate / Math.max(1, baseMany.burst.messagesPerSecond), 2),
      target: 'reported',
      met: null,
    },
    {
      measure: `memory per idle subscribed socket (RSS growth ÷ ${subscribers})`,
      teamgraph: `${kib(tgMany.bytesPerSocket)} KiB`,
      baseline: `${kib(baseMany.bytesPerSocket)} KiB`,
      ratio: round((tgMany.bytesPerSocket ?? 0) / Math.max(1, baseMany.bytesPerSocket ?? 1), 2),
      target: '≤ 32 KiB',
      met: (tgMany.bytesPerSocket ?? Infinity) <= 32 * 1024,
    },
    {
      measure: `connecting ${subscribers} authenticated subscribers: time (ratio: teamgraph ÷ bare)`,
      teamgraph: `${round(tgMany.connectMs / 1000, 1)} s`,
      baseline: `${round(baseMany.connectMs / 1000, 1)} s (bare ws, no authentication)`,
      ratio: round(tgMany.connectMs / Math.max(1, baseMany.connectMs), 2),
      target: '≤ 3×',
      met: tgMany.connectMs <= 3 * baseMany.connectMs,
    },
  );
  if (!tgMany.burst.complete)
    notes.push(
      `${manyTeams}-team phase incomplete: ${tgMany.burst.received} of ${tgMany.burst.expected} deliveries.`,
    );
  if (!typicalMany.burst.complete)
    notes.push(
      `${manyTeams}-team phase on the typical stack incomplete: ${typicalMany.burst.received} of ${typicalMany.burst.expected} deliveries.`,
    );
  notes.push(
    `Subscribers run in a separate process (raw graphql-ws protocol over ws), each with its own user and session; latency is the client's receipt time minus the activity's createdAt, stamped by the server just before commit. Each server (teamgraph and both baselines) gets ${WARM_UP_EVENTS} events or more before it is timed (every team at least once), so that its code runs compiled, as in a server that has been up for a while. Connecting ${subscribers} authenticated subscribers took ${round(tgMany.connectMs / 1000, 1)} s (bare baseline ${round(baseMany.connectMs / 1000, 1)} s, typical stack ${round(typicalMany.connectMs / 1000, 1)} s); the server process used ${round(tgMany.connectCpuSeconds ?? 0, 1)} s of CPU for it (bare baseline ${round(baseMany.connectCpuSeconds ?? 0, 1)} s), a steadier figure than time while the machine is shared.`,
  );
  await db2.drop().catch(() => undefined);
  return {
    rows,
    notes,
    metrics: { manyTeams: { teamgraph: tgMany, baseline: baseMany, typicalStack: typicalMany } },
  };
}

/** One team of hugeTeam subscribers on one instance: one event at a time. */
async function hugeTeamPart(
  ctx: WorkloadContext,
  { hugeTeam, singleEvents, oneTeam }: Sizes,
  oneTeamSingle: PhaseResult | undefined,
): Promise<PartOutcome> {
  const { options, postgres, scope } = ctx;
  const db3 = scope.add(await createScratchDatabase(postgres, 'fanout3'), (d) => d.drop());
  const tg3 = scope.add(await startTeamgraph(options, 'teamgraph-fanout-huge', db3.url), (s) =>
    s.stop(),
  );
  const huge = await seedFanOut(db3, hugeTeam, hugeTeam, 'fan3');
  const plan3 = { singleEvents, burstRounds: 0, concurrency: 1 };
  const tgHuge = await measureTeamgraph(ctx, [tg3], huge.teams, huge.itemIds, plan3);
  await tg3.stop();
  // The floor on this machine: the same frames to the same sockets, read by the same fleet.
  const baseHuge = await measureBroadcast(ctx, huge.teams, tgHuge.frame, plan3);
  const hugeSingle = tgHuge.single as PhaseResult;
  const bareSingle = baseHuge.single as PhaseResult;
  const vsBare: ResultRow = {
    measure: `1 team × ${hugeTeam}, one event at a time: p99 vs the bare broadcast to the same sockets`,
    teamgraph: fmtLatency(hugeSingle),
    baseline: `${fmtLatency(bareSingle)} (bare ws broadcast)`,
    ratio: round(hugeSingle.latency.p99 / Math.max(1, bareSingle.latency.p99), 2),
    target: 'reported',
    met: null,
  };
  const row: ResultRow = {
    measure: `1 team × ${hugeTeam}, one instance: one event at a time (${singleEvents} events), commit → client`,
    teamgraph: fmtLatency(hugeSingle),
    baseline: oneTeamSingle
      ? `${fmtLatency(oneTeamSingle)} (1 team × ${oneTeam})`
      : 'not run (1 team × 1000 part skipped)',
    ratio: oneTeamSingle
      ? round(hugeSingle.latency.p99 / Math.max(1, oneTeamSingle.latency.p99), 2)
      : null,
    target: 'p99 < 250 ms',
    met: hugeSingle.complete && hugeSingle.latency.p99 < 250,
  };
  await db3.drop().catch(() => undefined);
  return {
    rows: [row, vsBare],
    notes: [],
    metrics: { hugeTeam: { teamgraph: tgHuge, baseline: baseHuge } },
  };
}

export const fanOut: Workload = {
  id: 2,
  name: 'fan-out',
  title: 'Fan-out over WebSocket',
  async run(ctx) {
    const { options } = ctx;
    const sizes: Sizes = {
      oneTeam: oneTeamSizes(options).subscribers,
      mutations: oneTeamSizes(options).mutations,
      singleEvents: oneTeamSizes(options).singleEvents,
      manyTeams: options.quick ? 20 : 1000,
      teamSize: 10,
      hugeTeam: options.quick ? 1000 : 10_000,
    };
    const parts = new Set(options.fanOutParts);
    const outcomes: PartOutcome[] = [];
    let oneTeamSingle: PhaseResult | undefined;
    if (parts.has('one-team')) {
      const one = await oneTeamPart(ctx, sizes);
      oneTeamSingle = one.single;
      outcomes.push(one);
    }
    if (parts.has('many-teams')) outcomes.push(await manyTeamsPart(ctx, sizes));
    if (parts.has('huge-team')) outcomes.push(await hugeTeamPart(ctx, sizes, oneTeamSingle));
    const notes = outcomes.flatMap((o) => o.notes);
    if (options.quick)
      notes.push(
        `Quick mode: ${sizes.oneTeam} subscribers in the one team, ${sizes.mutations} mutations, ${sizes.manyTeams} teams, ${sizes.hugeTeam} in the large team.`,
      );
    if (parts.size < FAN_OUT_PARTS.length) notes.push(`Parts run: ${[...parts].join(', ')}.`);
    return {
      rows: outcomes.flatMap((o) => o.rows),
      notes,
      metrics: Object.assign({}, ...outcomes.map((o) => o.metrics)) as Record<string, unknown>,
    };
  },
};

import type { Fleet, FleetStats } from './fleet';
import { gql } from './graphql';
import { mapLimit, round, sleep, summarize, type Summary } from './stats';

/** What every subscriber asks for: the live feed, with the server's commit-time stamp. */
export const TEAM_ACTIVITY_SUBSCRIPTION = `subscription ($teamId: ID!) {
  teamActivity(teamId: $teamId) { seq action summary createdAt actor { displayName } }
}`;

export const UPDATE_ITEM = `mutation ($id: ID!, $input: UpdateItemInput!) {
  updateItem(id: $id, input: $input) { id version }
}`;

/** One event: a publish that every subscriber of one team should receive once. */
export interface Publication {
  /** How many sockets receive it. */
  audience: number;
  send(n: number): Promise<void>;
}

export interface PhaseResult {
  events: number;
  expected: number;
  received: number;
  latency: Summary;
  messagesPerSecond: number;
  seconds: number;
  complete: boolean;
  minPerSocket: number;
  maxPerSocket: number;
  sampleFrame: string | null;
}

function phaseResult(
  stats: FleetStats,
  events: number,
  expected: number,
  startedAt: number,
): PhaseResult {
  const seconds = Math.max(0.001, (stats.lastAt - startedAt) / 1000);
  return {
    events,
    expected,
    received: stats.received,
    latency: summarize(stats.latencies),
    messagesPerSecond: round(stats.received / seconds, 0),
    seconds: round(seconds, 2),
    complete: stats.received === expected && stats.errors === 0 && stats.closedEarly === 0,
    minPerSocket: stats.minPerSocket,
    maxPerSocket: stats.maxPerSocket,
    sampleFrame: stats.sampleFrame,
  };
}

/** `rounds` rounds of `publications`, each publishing each once, in order. */
const roundsOf = (publications: Publication[], rounds: number): Publication[] =>
  Array.from({ length: rounds }, () => publications).flat();

/**
 * Sends `rounds` rounds of `publications` (each round publishes each once) and waits until
 * every socket received everything. `spacing`: 'settle' waits for each event to reach its
 * whole audience before the next (single-event latency); a number publishes that many at
 * once, closed-loop (throughput).
 */
export async function runPhase(
  fleet: Fleet,
  publications: Publication[],
  rounds: number,
  spacing: 'settle' | number,
  timeoutMs = 120_000,
): Promise<PhaseResult> {
  await fleet.reset();
  const schedule = roundsOf(publications, rounds);
  const expected = schedule.reduce((sum, p) => sum + p.audience, 0);
  const startedAt = Date.now();
  if (spacing === 'settle') {
    let delivered = 0;
    for (const [n, p] of schedule.entries()) {
      await p.send(n);
      delivered += p.audience;
      if (!(await fleet.waitFor(delivered, 15_000))) break;
      await sleep(10);
    }
  } else {
    await mapLimit(schedule, spacing, (p, n) => p.send(n));
  }
  await fleet.waitFor(expected, timeoutMs);
  // Let anything extra (duplicates) arrive before counting.
  await sleep(200);
  return phaseResult(await fleet.stats(), schedule.length, expected, startedAt);
}

/**
 * The same publications with nobody listening: how many events per second the publishers get
 * through when no socket is written (the ceiling a delivered rate can reach on this machine).
 */
export async function publishAlone(
  publications: Publication[],
  rounds: number,
  concurrency: number,
): Promise<{ events: number; seconds: number; eventsPerSecond: number }> {
  const schedule = roundsOf(publications, rounds);
  const startedAt = performance.now();
  await mapLimit(schedule, concurrency, (p, n) => p.send(n));
  const seconds = Math.max(0.001, (performance.now() - startedAt) / 1000);
  return {
    events: schedule.length,
    seconds: round(seconds, 2),
    eventsPerSecond: round(schedule.length / seconds, 0),
  };
}

/** A teamgraph updateItem as the publication. */
export function updateItemPublication(
  url: string,
  itemId: string,
  token: string,
  audience: number,
): Publication {
  return {
    audience,
    send: async (n) => {
      await gql(url, UPDATE_ITEM, { id: itemId, input: { title: `Bench title ${n}` } }, token);
    },
  };
}

/** A publish on the bare broadcast baseline, with the same frame teamgraph sent. */
export function broadcastPublication(
  origin: string,
  room: string,
  frame: string,
  audience: number,
): Publication {
  return {
    audience,
    send: async () => {
      const response = await fetch(`${origin}/publish?room=${encodeURIComponent(room)}`, {
        method: 'POST',
        body: frame,
      });
      await response.text();
    },
  };
}

/** A delivered teamgraph frame with its createdAt replaced by the baseline's placeholder. */
export function frameTemplate(sample: string | null): string {
  if (!sample) throw new Error('no frame was delivered to copy for the baseline');
  return sample.replace(/"createdAt":"[^"]*"/, '"createdAt":"__NOW__"');
}

/** How one side is measured: events one at a time, then rounds back to back. */
export interface PhasePlan {
  /** Events one at a time, each settled before the next (0: none). */
  singleEvents: number;
  /** Rounds of every publication, `concurrency` at once. */
  burstRounds: number;
  concurrency: number;
}

/**
 * Events every server gets before it is measured, at least one per publication: code runs
 * compiled by then, as in a server that has been up for a while. With one event only, the
 * first timed events to a team of 1,000 took 2–3× as long to write as the last ones.
 */
export const WARM_UP_EVENTS = 20;

/**
 * WARM_UP_EVENTS first (every publication once or more), so that every subscription is live
 * and the servers' code is compiled, then `plan`'s single
 * events and burst; closes the fleet afterwards. `warmUp` names the warm-up in the error
 * thrown when it was incomplete; null accepts an incomplete one.
 */
export async function runPhases(
  fleet: Fleet,
  publications: Publication[],
  plan: PhasePlan,
  warmUp: string | null,
): Promise<{ warm: PhaseResult; single?: PhaseResult; burst: PhaseResult }> {
  const warmRounds = Math.max(1, Math.ceil(WARM_UP_EVENTS / publications.length));
  const warm = await runPhase(fleet, publications, warmRounds, plan.concurrency, 30_000);
  if (warmUp !== null && !warm.complete)
    throw new Error(`${warmUp}: ${warm.received} of ${warm.expected} deliveries arrived`);
  const single = plan.singleEvents
    ? await runPhase(fleet, publications.slice(0, 1), plan.singleEvents, 'settle')
    : undefined;
  const burst = await runPhase(fleet, publications, plan.burstRounds, plan.concurrency);
  await fleet.closeAll();
  fleet.stop();
  return { warm, single, burst };
}

import type { GraphqlResponse } from '../support/test-app';
import type { Intent, MutationSpec, Outcome, Served } from './mutation-spec';
import type { World } from './world';

/** A request the run sent and what the server answered. */
export interface Observation {
  name: string;
  intent: Intent;
  response: GraphqlResponse;
}

const codeOf = (response: GraphqlResponse): unknown => response.errors?.[0]?.extensions?.code;

export const answerOf = (o: Observation): string =>
  o.response.errors?.length ? String(codeOf(o.response)) : 'ok';

/** The outcome among `outcomes` that the answer is, if any. Never a 5xx or an internal error. */
export function matching(outcomes: Outcome[], o: Observation): Outcome | undefined {
  if (o.response.status >= 500) return undefined;
  if (o.response.errors?.length) {
    const code = String(codeOf(o.response));
    return outcomes.find((x) => !x.ok && x.codes.includes(code));
  }
  const value = o.response.data?.[o.name];
  return value === undefined || value === null ? undefined : outcomes.find((x) => x.ok);
}

/**
 * In a group, a request that the order refuses may lose with CONFLICT instead of that order's
 * own refusal (API.md, "Requests that meet"): it began before the other committed.
 */
export function lostRace(outcomes: Outcome[], o: Observation): Outcome | undefined {
  const refusedHere = outcomes.every((x) => !x.ok);
  return refusedHere && answerOf(o) === 'CONFLICT' ? { ok: false, codes: ['CONFLICT'] } : undefined;
}

export function describe(o: Observation, outcomes: Outcome[]): string {
  const allowed = outcomes.map((x) => (x.ok ? 'ok' : x.codes.join('|'))).join(' or ');
  const request = typeof o.intent.request === 'function' ? '(formed when sent)' : o.intent.request;
  const detail = o.response.errors?.[0]?.message ?? '';
  return `${o.name} ${JSON.stringify(request)} answered ${answerOf(o)} ${detail}; the model allows ${allowed}`;
}

/**
 * What a success left beside its answer, read once per observation: the e-mailed link (from
 * the real inbox) and the id of the session whose token it returned.
 */
export class ServedReader {
  private readonly cache = new Map<string, Promise<Served>>();

  constructor(private readonly world: World) {}

  read(o: Observation, index: number, outcome: Outcome & { ok: true }): Promise<Served> {
    const key = `${index}\n${JSON.stringify(outcome.links ?? [])}`;
    let served = this.cache.get(key);
    if (!served) {
      served = this.fetch(o, outcome);
      this.cache.set(key, served);
    }
    return served;
  }

  private async fetch(o: Observation, outcome: Outcome & { ok: true }): Promise<Served> {
    const value = o.response.data?.[o.name];
    const served: Served = { value, linkTokens: [] };
    for (const link of outcome.links ?? []) served.linkTokens.push(await this.world.link(link));
    if (outcome.session)
      served.sessionId = await this.world.sessionId((value as { token: string }).token);
    return served;
  }
}

/** Sends a planned request to an instance and records the answer. */
export async function observe(
  world: World,
  name: string,
  intent: Intent,
  instance: number,
): Promise<Observation> {
  return { name, intent, response: await world.send(intent.request, instance) };
}

export type { MutationSpec };

import { combine, jsonHeaders, runLoad, type LoadResult } from '../lib/load';
import { startOtlpSink } from '../lib/otlp-sink';
import { createScratchDatabase } from '../lib/postgres';
import { startTeamgraph, type ServerProcess } from '../lib/processes';
import type { ResultRow } from '../lib/report';
import { createTeams, createUsers } from '../lib/seed';
import { round } from '../lib/stats';
import type { Workload } from '../lib/workload';
import { TEAM_QUERY } from './http-query';

const CREATE_ITEM = `mutation ($teamId: ID!, $input: CreateItemInput!) { createItem(teamId: $teamId, input: $input) { id } }`;
const MEMBERS = 10;
const CONNECTIONS = 50;
/** The sampling a production deployment would start with. */
const SAMPLED = '0.1';

const cpuMs = (seconds: number, requests: number) =>
  round((seconds * 1000) / Math.max(1, requests), 3);

/**
 * The cost of tracing: the same query and mutation load on an instance with tracing off (the
 * default) and one exporting to a local OTLP receiver, sampling 10 % of the traces
 * (`parentbased_traceidratio`), in alternating rounds.
 */
export const tracingCost: Workload = {
  id: 11,
  name: 'tracing',
  title: 'Tracing: off vs on (10 % sampled)',
  async run({ options, postgres, scope, log }) {
    const db = scope.add(await createScratchDatabase(postgres, 'tracing'), (d) => d.drop());
    const sink = scope.add(await startOtlpSink(), (s) => s.stop());
    const off = scope.add(await startTeamgraph(options, 'teamgraph-tracing-off', db.url), (s) =>
      s.stop(),
    );
    const traced = (name: string, sampler: Record<string, string>) =>
      startTeamgraph(options, name, db.url, {
        MIGRATE_ON_START: 'off',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_SERVICE_NAME: 'teamgraph-bench',
        ...sampler,
      }).then((server) => scope.add(server, (s) => s.stop()));
    const on = await traced('teamgraph-tracing-on', {
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: SAMPLED,
    });
    // The SDK, its context and the instrumentations with nothing sampled: the fixed part.
    const none = await traced('teamgraph-tracing-none', { OTEL_TRACES_SAMPLER: 'always_off' });
    const users = await createUsers(db.pool, MEMBERS, 'tracing');
    const [team] = await createTeams(db.pool, users, MEMBERS, 'tracing');

    const query = JSON.stringify({ query: TEAM_QUERY, variables: { id: team.id } });
    const mutation = (n: number) =>
      JSON.stringify({
        query: CREATE_ITEM,
        variables: { teamId: team.id, input: { title: `Traced ${n}`, content: { n } } },
      });
    const load = (server: ServerProcess, body: (n: number) => string, seconds: number) =>
      runLoad({
        url: `${server.origin}/graphql`,
        connections: CONNECTIONS,
        seconds,
        request: (n) => ({ headers: jsonHeaders(users[n % MEMBERS].token), body: body(n) }),
      });
    const kinds = [
      ['query', () => query],
      ['mutation', mutation],
    ] as const;
    const warm = options.quick ? 0.5 : 2;
    const seconds = options.quick ? 1.5 : 4;
    const rounds = options.quick ? 1 : 4;
    const servers = [
      ['off', off],
      ['on', on],
      ['none', none],
    ] as const;
    for (const [, server] of servers) for (const [, body] of kinds) await load(server, body, warm);
    const spansBefore = sink.spans();
    const runs = new Map<string, LoadResult[]>();
    const cpu = new Map<string, number>();
    for (let r = 0; r < rounds; r++) {
      for (const [kind, body] of kinds) {
        for (const [label, server] of servers) {
          const key = `${kind}.${label}`;
          const before = server.cpuSeconds();
          const result = await load(server, body, seconds);
          cpu.set(key, (cpu.get(key) ?? 0) + server.cpuSeconds() - before);
          runs.set(key, [...(runs.get(key) ?? []), result]);
          log(
            `  ${key}: ${result.requestsPerSecond} req/s, p99 ${result.p99Ms} ms, failures ${result.failures}`,
          );
        }
      }
    }
    const results = Object.fromEntries([...runs].map(([key, list]) => [key, combine(list)]));
    const cpuPerRequest = Object.fromEntries(
      [...cpu].map(([key, seconds]) => [key, cpuMs(seconds, results[key].requests)]),
    );
    // Only the sampling instance exports anything.
    const tracedRequests = results['query.on'].requests + results['mutation.on'].requests;
    const spans = sink.spans() - spansBefore;
    const rows: ResultRow[] = [];
    for (const [kind] of kinds) {
      const [a, b] = [results[`${kind}.on`], results[`${kind}.off`]];
      const ratio = a.requestsPerSecond / b.requestsPerSecond;
      rows.push(
        {
          measure: `${kind} req/s, tracing on (${Number(SAMPLED) * 100} % sampled) ÷ off, ${CONNECTIONS} connections`,
          teamgraph: `${a.requestsPerSecond}, p99 ${a.p99Ms} ms (on)`,
          baseline: `${b.requestsPerSecond}, p99 ${b.p99Ms} ms (off)`,
          ratio: round(ratio, 2),
          target: '≥ 0.9×',
          met: ratio >= 0.9,
        },
        {
          measure: `${kind}: server CPU per request, tracing on ÷ off`,
          teamgraph: `${cpuPerRequest[`${kind}.on`]} ms (on)`,
          baseline: `${cpuPerRequest[`${kind}.off`]} ms (off)`,
          ratio: round(
            cpuPerRequest[`${kind}.on`] / Math.max(0.001, cpuPerRequest[`${kind}.off`]),
            2,
          ),
          target: 'reported',
          met: null,
        },
        {
          measure: `${kind}: server CPU per request, tracing on but nothing sampled ÷ off`,
          teamgraph: `${cpuPerRequest[`${kind}.none`]} ms (always_off)`,
          baseline: `${cpuPerRequest[`${kind}.off`]} ms (off)`,
          ratio: round(
            cpuPerRequest[`${kind}.none`] / Math.max(0.001, cpuPerRequest[`${kind}.off`]),
            2,
          ),
          target: 'reported',
          met: null,
        },
      );
    }
    const failures = Object.values(results).reduce((sum, r) => sum + r.failures, 0);
    return {
      rows,
      metrics: { results, cpuPerRequest, spans, tracedRequests },
      notes: [
        `${CONNECTIONS} connections, ${rounds} alternating round(s) of ${seconds} s per server and kind after a ${warm} s warm-up; the team query of workload 1 and createItem, each connection with a member's token. A third instance runs the SDK with OTEL_TRACES_SAMPLER=always_off: what tracing costs before anything is recorded.`,
        `The traced instance exported ${spans} spans for ${tracedRequests} requests (${round(spans / Math.max(1, tracedRequests), 2)} per request) to a local OTLP/HTTP receiver.`,
        ...(failures ? [`Failed requests: ${failures}.`] : []),
      ],
    };
  },
};

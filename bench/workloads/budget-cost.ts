import { combine, jsonHeaders, runLoad, type LoadResult } from '../lib/load';
import { createScratchDatabase } from '../lib/postgres';
import { startTeamgraph, type ServerProcess } from '../lib/processes';
import { BENCH_REDIS_URL, redisAnswers } from '../lib/redis-answers';
import type { ResultRow } from '../lib/report';
import { createTeams, createUsers } from '../lib/seed';
import { round } from '../lib/stats';
import type { Workload } from '../lib/workload';
import { TEAM_QUERY } from './http-query';

const CREATE_ITEM = `mutation ($teamId: ID!, $input: CreateItemInput!) { createItem(teamId: $teamId, input: $input) { id } }`;
const MEMBERS = 10;
const CONNECTIONS = 50;
/** Never spent during the run: the cost measured is counting, not refusing. */
const UNSPENDABLE_BUDGET = '1000000000';

/**
 * The cost of budgets over time (COST_BUDGET_PER_HOUR, charged on every operation, with the
 * X-RateLimit-* headers): the same query and mutation load on an instance with limits on and one
 * with them off (the other workloads' setting), in alternating rounds; in memory, and through
 * Redis (where instances share one budget) when a Redis answers.
 */
export const budgetCost: Workload = {
  id: 12,
  name: 'budgets',
  title: 'Budgets over time: limits on vs off',
  async run({ options, postgres, scope, log }) {
    const db = scope.add(await createScratchDatabase(postgres, 'budgets'), (d) => d.drop());
    const withRedis = await redisAnswers(BENCH_REDIS_URL);
    const start = (name: string, env: Record<string, string>) =>
      startTeamgraph(options, name, db.url, { MIGRATE_ON_START: 'off', ...env }).then((server) =>
        scope.add(server, (s) => s.stop()),
      );
    const first = scope.add(await startTeamgraph(options, 'teamgraph-budgets-off', db.url), (s) =>
      s.stop(),
    );
    const limited = { RATE_LIMITS: 'on', COST_BUDGET_PER_HOUR: UNSPENDABLE_BUDGET };
    const pairs: [string, ServerProcess, ServerProcess][] = [
      ['memory', first, await start('teamgraph-budgets-on', limited)],
    ];
    if (withRedis)
      pairs.push([
        'redis',
        await start('teamgraph-budgets-redis-off', { REDIS_URL: BENCH_REDIS_URL }),
        await start('teamgraph-budgets-redis-on', { ...limited, REDIS_URL: BENCH_REDIS_URL }),
      ]);
    const users = await createUsers(db.pool, MEMBERS, 'budgets');
    const [team] = await createTeams(db.pool, users, MEMBERS, 'budgets');

    const query = () => JSON.stringify({ query: TEAM_QUERY, variables: { id: team.id } });
    const mutation = (n: number) =>
      JSON.stringify({
        query: CREATE_ITEM,
        variables: { teamId: team.id, input: { title: `Budget ${n}`, content: { n } } },
      });
    const kinds = [
      ['query', query],
      ['mutation', mutation],
    ] as const;
    const load = (server: ServerProcess, body: (n: number) => string, seconds: number) =>
      runLoad({
        url: `${server.origin}/graphql`,
        connections: CONNECTIONS,
        seconds,
        request: (n) => ({ headers: jsonHeaders(users[n % MEMBERS].token), body: body(n) }),
      });
    const warm = options.quick ? 0.5 : 2;
    const seconds = options.quick ? 1.5 : 4;
    const rounds = options.quick ? 1 : 3;
    const servers = pairs.flatMap(([store, off, on]) => [
      [`${store}.off`, off] as const,
      [`${store}.on`, on] as const,
    ]);
    for (const [, server] of servers) for (const [, body] of kinds) await load(server, body, warm);
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
      [...cpu].map(([key, used]) => [key, round((used * 1000) / results[key].requests, 3)]),
    );
    const rows: ResultRow[] = [];
    for (const [store] of pairs)
      for (const [kind] of kinds) {
        const [on, off] = [`${kind}.${store}.on`, `${kind}.${store}.off`];
        const ratio = results[on].requestsPerSecond / results[off].requestsPerSecond;
        rows.push({
          measure: `${kind} with budgets counted ${store === 'redis' ? 'in Redis' : 'in memory'} ÷ limits off, ${CONNECTIONS} connections (CPU per request ${cpuPerRequest[on]} vs ${cpuPerRequest[off]} ms)`,
          teamgraph: `${results[on].requestsPerSecond} req/s, p99 ${results[on].p99Ms} ms`,
          baseline: `${results[off].requestsPerSecond} req/s, p99 ${results[off].p99Ms} ms`,
          ratio: round(ratio, 2),
          target: '≥ 0.9×',
          met: ratio >= 0.9,
        });
      }
    const failures = Object.values(results).reduce((sum, r) => sum + r.failures, 0);
    return {
      rows,
      metrics: { results, cpuPerRequest },
      notes: [
        `${CONNECTIONS} connections, ${rounds} alternating round(s) of ${seconds} s per server and kind after a ${warm} s warm-up; the team query of workload 1 and createItem, each connection with a member's token. "On" is RATE_LIMITS=on with a budget never spent during the run (every operation charged and its headers written, none refused); "off" is the setting of every other workload.`,
        withRedis
          ? `The Redis pair both use ${new URL(BENCH_REDIS_URL).host} for events too; only the limits differ between them.`
          : `No Redis answers at ${new URL(BENCH_REDIS_URL).host}: only the in-memory pair ran.`,
        ...(failures ? [`Failed requests: ${failures}.`] : []),
      ],
    };
  },
};

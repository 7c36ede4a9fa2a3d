import { gql } from '../lib/graphql';
import { combine, jsonHeaders, runLoad, type LoadResult } from '../lib/load';
import { createScratchDatabase } from '../lib/postgres';
import {
  startGraphqlHttpBaseline,
  startTeamgraph,
  startTypicalHttpBaseline,
  type ServerProcess,
} from '../lib/processes';
import { createTeams, createUsers } from '../lib/seed';
import { round } from '../lib/stats';
import type { Workload } from '../lib/workload';

/** The query, word for word. */
export const TEAM_QUERY = `query Team($id: ID!) {
  team(id: $id) {
    name
    members { role user { displayName } }
    items(first: 20) { edges { node { title version createdBy { displayName } } } }
  }
}`;

const cpuMs = (seconds: number, requests: number) =>
  round((seconds * 1000) / Math.max(1, requests), 2);

const MEMBERS = 10;
const ITEMS = 25;
const CONNECTIONS = 50;

export const httpQuery: Workload = {
  id: 1,
  name: 'http-query',
  title: 'Authenticated query over HTTP',
  async run({ options, postgres, scope, log }) {
    const db = scope.add(await createScratchDatabase(postgres, 'http'), (d) => d.drop());
    const teamgraph = scope.add(await startTeamgraph(options, 'teamgraph-http', db.url), (s) =>
      s.stop(),
    );
    // The other servers start while the data is built (the schema exists now).
    const others = Promise.all([
      startTeamgraph(options, 'teamgraph-http-unguarded', db.url, {
        BENCH_SKIP_PERMISSIONS: 'on',
        MIGRATE_ON_START: 'off',
      }),
      startGraphqlHttpBaseline(options, db.url),
      startTypicalHttpBaseline(options, db.url),
    ]).then(
      ([u, b, t]) =>
        [
          scope.add(u, (s) => s.stop()),
          scope.add(b, (s) => s.stop()),
          scope.add(t, (s) => s.stop()),
        ] as const,
    );
    // Handled at `await others`; until then a failed start must not be an unhandled rejection.
    others.catch(() => undefined);
    const users = await createUsers(db.pool, MEMBERS + 1, 'http');
    const [team] = await createTeams(db.pool, users.slice(0, MEMBERS), MEMBERS, 'http');
    const outsider = users[MEMBERS];
    for (let i = 0; i < ITEMS; i++) {
      await gql(
        `${teamgraph.origin}/graphql`,
        `mutation ($teamId: ID!, $input: CreateItemInput!) { createItem(teamId: $teamId, input: $input) { id } }`,
        {
          teamId: team.id,
          input: { title: `Item ${i}`, content: { body: 'x'.repeat(200), n: i } },
        },
        team.members[i % MEMBERS].token,
      );
    }

    const [unguarded, baseline, typical] = await others;
    // Same answer from all four before timing anything.
    type Answer = { team: { members: unknown[]; items: { edges: unknown[] } } };
    for (const server of [teamgraph, unguarded, baseline, typical]) {
      const answer = await gql<Answer>(
        `${server.origin}/graphql`,
        TEAM_QUERY,
        { id: team.id },
        team.owner.token,
      );
      if (answer.team.members.length !== MEMBERS || answer.team.items.edges.length !== 20) {
        throw new Error(`${server.name} answered ${JSON.stringify(answer).slice(0, 200)}`);
      }
    }
    // The permission layer really is off on the unguarded instance (and on on the other).
    const outsiderSees = async (server: ServerProcess) =>
      gql(`${server.origin}/graphql`, TEAM_QUERY, { id: team.id }, outsider.token).then(
        () => true,
        () => false,
      );
    if (await outsiderSees(teamgraph))
      throw new Error('a non-member read the team: permissions are off');
    if (await outsiderSees(typical))
      throw new Error('a non-member read the team on the typical server: no membership check');
    const unguardedVerified = await outsiderSees(unguarded);

    const body = JSON.stringify({ query: TEAM_QUERY, variables: { id: team.id } });
    const load = (server: ServerProcess, seconds: number) =>
      runLoad({
        url: `${server.origin}/graphql`,
        connections: CONNECTIONS,
        seconds,
        request: (n) => ({ headers: jsonHeaders(team.members[n % MEMBERS].token), body }),
      });
    // Short alternating rounds: on a shared machine, load from elsewhere then hits all alike.
    const warm = options.quick ? 0.5 : 2;
    const rounds = options.quick ? 1 : 5;
    const seconds = options.quick ? 1.5 : 4;
    const servers = [teamgraph, unguarded, baseline, typical];
    for (const server of servers) await load(server, warm);
    const runs = new Map<ServerProcess, LoadResult[]>(servers.map((s) => [s, []]));
    // Server CPU per answered request: steadier than req/s while other work shares the cores.
    const cpuSeconds = new Map<ServerProcess, number>(servers.map((s) => [s, 0]));
    for (let r = 0; r < rounds; r++) {
      for (const server of servers) {
        const cpuBefore = server.cpuSeconds();
        const result = await load(server, seconds);
        const cpu = server.cpuSeconds() - cpuBefore;
        cpuSeconds.set(server, (cpuSeconds.get(server) ?? 0) + cpu);
        log(
          `  ${server.name}: ${result.requestsPerSecond} req/s, p99 ${result.p99Ms} ms, CPU ${cpuMs(cpu, result.requests)} ms/request, failures ${result.failures}`,
        );
        runs.get(server)?.push(result);
      }
    }
    const [tg, ng, base, typ] = servers.map((s) => combine(runs.get(s) ?? []));
    const [tgCpu, ngCpu, baseCpu, typCpu] = servers.map((s, i) =>
      cpuMs(cpuSeconds.get(s) ?? 0, [tg, ng, base, typ][i].requests),
    );
    const ratio = tg.requestsPerSecond / base.requestsPerSecond;
    const typicalRatio = tg.requestsPerSecond / typ.requestsPerSecond;
    const shieldRatio = tg.requestsPerSecond / ng.requestsPerSecond;
    const notes = [
      `${CONNECTIONS} connections, ${rounds} alternating round(s) of ${seconds} s per server after a ${warm} s warm-up; a team of ${MEMBERS} members and ${ITEMS} items; each connection uses a member's bearer token.`,
      "p99 is the worst round's.",
      `Server process CPU per request over the timed rounds (user + system, from /proc): teamgraph ${tgCpu} ms, without the permission layer ${ngCpu} ms, typical ${typCpu} ms, bare baseline ${baseCpu} ms.`,
    ];
    notes.push(
      'The typical server (bench/baselines/typical-http-server.ts): Apollo Server 5 on express with SDL resolvers, a session read per request, a per-request DataLoader for users and one membership check; no permission layer, no logging.',
    );
    if (tg.failures + ng.failures + base.failures + typ.failures) {
      notes.push(
        `Failed requests: teamgraph ${tg.failures}, unguarded ${ng.failures}, baseline ${base.failures}, typical ${typ.failures}.`,
      );
    }
    if (!unguardedVerified)
      notes.push(
        'BENCH_SKIP_PERMISSIONS was not honoured: the with/without figure compares two guarded servers.',
      );
    return {
      rows: [
        {
          measure: `requests/s, ${CONNECTIONS} connections`,
          teamgraph: `${tg.requestsPerSecond}, p99 ${tg.p99Ms} ms`,
          baseline: `${base.requestsPerSecond}, p99 ${base.p99Ms} ms (graphql-http + SQL, no auth)`,
          ratio: round(ratio, 2),
          target: '≥ 0.6×',
          met: ratio >= 0.6,
        },
        {
          measure: 'p50 / p99 latency (ratio of p99)',
          teamgraph: `${tg.p50Ms} / ${tg.p99Ms} ms`,
          baseline: `${base.p50Ms} / ${base.p99Ms} ms`,
          ratio: round(tg.p99Ms / Math.max(1, base.p99Ms), 2),
          target: 'reported',
          met: null,
        },
        {
          measure: `requests/s vs the typical Apollo + DataLoader server, ${CONNECTIONS} connections`,
          teamgraph: `${tg.requestsPerSecond}, p99 ${tg.p99Ms} ms`,
          baseline: `${typ.requestsPerSecond}, p99 ${typ.p99Ms} ms (typical server)`,
          ratio: round(typicalRatio, 2),
          target: '≥ 1.0×',
          met: typicalRatio >= 1.0,
        },
        {
          measure: 'server CPU per request vs the typical server (ratio: teamgraph ÷ typical)',
          teamgraph: `${tgCpu} ms`,
          baseline: `${typCpu} ms (typical server); bare baseline ${baseCpu} ms`,
          ratio: round(tgCpu / Math.max(0.001, typCpu), 2),
          target: 'reported',
          met: null,
        },
        {
          measure: 'permission layer: req/s with ÷ without shield',
          teamgraph: `${tg.requestsPerSecond} with, p99 ${tg.p99Ms} ms`,
          baseline: `${ng.requestsPerSecond} without, p99 ${ng.p99Ms} ms`,
          ratio: round(shieldRatio, 2),
          target: '≥ 0.9×',
          met: unguardedVerified ? shieldRatio >= 0.9 : null,
        },
      ],
      metrics: {
        teamgraph: tg,
        unguarded: ng,
        baseline: base,
        typical: typ,
        cpuMsPerRequest: { teamgraph: tgCpu, unguarded: ngCpu, baseline: baseCpu, typical: typCpu },
        unguardedVerified,
        runs: Object.fromEntries([...runs].map(([s, r]) => [s.name, r])),
      },
      notes,
    };
  },
};

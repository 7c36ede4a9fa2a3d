import { UPDATE_ITEM } from '../lib/fan-out-phases';
import { gql } from '../lib/graphql';
import { jsonHeaders, runLoad, type LoadResult } from '../lib/load';
import { createScratchDatabase } from '../lib/postgres';
import { startGraphqlHttpBaseline, startTeamgraph, type ServerProcess } from '../lib/processes';
import type { ResultRow } from '../lib/report';
import { createTeams, createUsers, type BenchUser } from '../lib/seed';
import { round } from '../lib/stats';
import type { Workload } from '../lib/workload';

const CLIENTS = 50;
const CREATE_ITEM = `mutation ($teamId: ID!, $input: CreateItemInput!) { createItem(teamId: $teamId, input: $input) { id } }`;
const BASELINE_UPDATE = `mutation ($id: ID!, $input: UpdateItemInput!) { updateItem(id: $id, input: $input) { id version } }`;
const BASELINE_UPDATE_WITH_ACTIVITY = `mutation ($id: ID!, $actorId: ID!, $input: UpdateItemInput!) {
  updateItemWithActivity(id: $id, actorId: $actorId, input: $input) { id version }
}`;

interface Target {
  itemId: string;
  user: BenchUser;
}

export const mutationThroughput: Workload = {
  id: 4,
  name: 'mutations',
  title: 'Mutation throughput (updateItem)',
  async run({ options, postgres, scope, log }) {
    const db = scope.add(await createScratchDatabase(postgres, 'mutations'), (d) => d.drop());
    const teamgraph = scope.add(await startTeamgraph(options, 'teamgraph-mutations', db.url), (s) =>
      s.stop(),
    );
    const url = `${teamgraph.origin}/graphql`;
    const users = await createUsers(db.pool, CLIENTS, 'mut');
    const [shared] = await createTeams(db.pool, users, CLIENTS, 'mut-shared');
    const own = await createTeams(db.pool, users, 1, 'mut-own');
    const createItem = async (teamId: string, user: BenchUser, title: string): Promise<Target> => {
      const data = await gql<{ createItem: { id: string } }>(
        url,
        CREATE_ITEM,
        { teamId, input: { title, content: { body: 'x'.repeat(200) } } },
        user.token,
      );
      return { itemId: data.createItem.id, user };
    };
    const baselineStarting = startGraphqlHttpBaseline(options, db.url);
    // Stopped with the workload even if it fails first; errors surface where it is awaited.
    baselineStarting.then(
      (p) => scope.add(p, (s) => s.stop()),
      () => undefined,
    );
    const oneTeam: Target[] = [];
    const manyTeams: Target[] = [];
    for (const [i, user] of users.entries()) {
      oneTeam.push(await createItem(shared.id, user, `Shared item ${i}`));
      manyTeams.push(await createItem(own[i].id, user, `Own item ${i}`));
    }
    const baseline = await baselineStarting;

    const seconds = options.quick ? 1 : 6;
    const warm = options.quick ? 0.5 : 2;
    const input = (n: number) => ({
      title: `Updated by client ${n}`,
      content: { body: 'y'.repeat(200), n },
    });
    const teamgraphLoad = (targets: Target[], s: number) =>
      runLoad({
        url,
        connections: CLIENTS,
        seconds: s,
        request: (n) => ({
          headers: jsonHeaders(targets[n % CLIENTS].user.token),
          body: JSON.stringify({
            query: UPDATE_ITEM,
            variables: { id: targets[n % CLIENTS].itemId, input: input(n) },
          }),
        }),
      });
    const baselineLoad = (
      server: ServerProcess,
      targets: Target[],
      withActivity: boolean,
      s: number,
    ) =>
      runLoad({
        url: `${server.origin}/graphql`,
        connections: CLIENTS,
        seconds: s,
        request: (n) => ({
          headers: jsonHeaders(),
          body: JSON.stringify({
            query: withActivity ? BASELINE_UPDATE_WITH_ACTIVITY : BASELINE_UPDATE,
            variables: {
              id: targets[n % CLIENTS].itemId,
              actorId: targets[n % CLIENTS].user.id,
              input: input(n),
            },
          }),
        }),
      });

    await teamgraphLoad(manyTeams, warm);
    await baselineLoad(baseline, manyTeams, true, warm);
    const results: Record<string, LoadResult> = {};
    for (const [label, targets] of [
      ['oneTeam', oneTeam],
      ['manyTeams', manyTeams],
    ] as const) {
      results[`teamgraph.${label}`] = await teamgraphLoad(targets, seconds);
      results[`plain.${label}`] = await baselineLoad(baseline, targets, false, seconds);
      results[`activity.${label}`] = await baselineLoad(baseline, targets, true, seconds);
    }
    for (const [key, r] of Object.entries(results))
      log(`  ${key}: ${r.requestsPerSecond} req/s, p99 ${r.p99Ms} ms, failures ${r.failures}`);

    // Every update with activity left exactly one row, and every team's seqs stayed gapless.
    const check = await db.pool.query<{ teamgraph: string; gaps: string }>(
      `SELECT (SELECT count(*) FROM activities WHERE action = 'ITEM_UPDATED' AND summary <> 'updated an item') AS teamgraph,
              (SELECT count(*) FROM (SELECT team_id FROM activities GROUP BY team_id HAVING count(*) <> max(seq)) g) AS gaps`,
    );
    const teamgraphRequests = Object.entries(results)
      .filter(([key]) => key.startsWith('teamgraph.'))
      .reduce((sum, [, r]) => sum + r.requests, 0);
    const rows: ResultRow[] = [];
    for (const [label, text] of [
      ['oneTeam', `${CLIENTS} clients on ${CLIENTS} items of one team`],
      ['manyTeams', `${CLIENTS} clients on ${CLIENTS} teams`],
    ] as const) {
      const tg = results[`teamgraph.${label}`];
      const plain = results[`plain.${label}`];
      const activity = results[`activity.${label}`];
      rows.push(
        {
          measure: `${text}: req/s, p99 (baseline: plain SQL UPDATE)`,
          teamgraph: `${tg.requestsPerSecond} req/s, p99 ${tg.p99Ms} ms`,
          baseline: `${plain.requestsPerSecond} req/s, p99 ${plain.p99Ms} ms`,
          ratio: round(tg.requestsPerSecond / plain.requestsPerSecond, 2),
          target: 'reported',
          met: null,
        },
        {
          measure: `${text}: cost of the activity write in SQL (UPDATE + lock + activity row ÷ UPDATE alone)`,
          teamgraph: `SQL with activity: ${activity.requestsPerSecond} req/s, p99 ${activity.p99Ms} ms`,
          baseline: `SQL UPDATE alone: ${plain.requestsPerSecond} req/s`,
          ratio: round(activity.requestsPerSecond / plain.requestsPerSecond, 2),
          target: 'reported',
          met: null,
        },
      );
    }
    const failures = Object.entries(results).filter(([, r]) => r.failures);
    const notes = [
      `autocannon, ${CLIENTS} connections, ${seconds} s per run; each connection is one member updating its own item (no expectedVersion). teamgraph's figure includes authentication, the permission check, the team row lock, the activity row with its hash chain and the publish. The SQL-only activity line runs the same lock + UPDATE + INSERT + team UPDATE in one transaction on the baseline server, without auth or publish.`,
      `Database check after the run: ${check.rows[0].teamgraph} ITEM_UPDATED rows written by teamgraph for ${teamgraphRequests} timed updates (plus warm-up); teams with a seq gap: ${check.rows[0].gaps}.`,
    ];
    if (failures.length)
      notes.push(`Failed requests: ${failures.map(([k, r]) => `${k} ${r.failures}`).join(', ')}.`);
    return { rows, notes, metrics: results };
  },
};

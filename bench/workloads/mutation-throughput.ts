import { UPDATE_ITEM } from '../lib/fan-out-phases';
import { gql } from '../lib/graphql';
import { combine, jsonHeaders, runLoad, type LoadResult } from '../lib/load';
import { createScratchDatabase } from '../lib/postgres';
import {
  startGraphqlHttpBaseline,
  startTeamgraph,
  startTypicalHttpBaseline,
  type ServerProcess,
} from '../lib/processes';
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
const BASELINE_CREATE_WITH_ACTIVITY = `mutation ($teamId: ID!, $actorId: ID!, $input: UpdateItemInput!) {
  createItemWithActivity(teamId: $teamId, actorId: $actorId, input: $input) { id version }
}`;
const CREATE_ITEM_RESULT = `mutation ($teamId: ID!, $input: CreateItemInput!) { createItem(teamId: $teamId, input: $input) { id version } }`;

interface Target {
  itemId: string;
  user: BenchUser;
}

export const mutationThroughput: Workload = {
  id: 4,
  name: 'mutations',
  title: 'Mutation throughput (updateItem, createItem)',
  async run({ options, postgres, scope, log }) {
    const db = scope.add(await createScratchDatabase(postgres, 'mutations'), (d) => d.drop());
    const teamgraph = scope.add(await startTeamgraph(options, 'teamgraph-mutations', db.url), (s) =>
      s.stop(),
    );
    const url = `${teamgraph.origin}/graphql`;
    const users = await createUsers(db.pool, CLIENTS, 'mut');
    const createItem = async (teamId: string, user: BenchUser, title: string): Promise<Target> => {
      const data = await gql<{ createItem: { id: string } }>(
        url,
        CREATE_ITEM,
        { teamId, input: { title, content: { body: 'x'.repeat(200) } } },
        user.token,
      );
      return { itemId: data.createItem.id, user };
    };
    /**
     * One team of all the clients and one team each, with an item per client in both. Each kind
     * of server writes to teams of its own: the SQL baseline's activity rows move a team's head
     * without its Merkle tree, after which teamgraph refuses to append to that team.
     */
    const targetsFor = async (label: string) => {
      const [shared] = await createTeams(db.pool, users, CLIENTS, `${label}-shared`);
      const own = await createTeams(db.pool, users, 1, `${label}-own`);
      const oneTeam: Target[] = [];
      const manyTeams: Target[] = [];
      for (const [i, user] of users.entries()) {
        oneTeam.push(await createItem(shared.id, user, `Shared item ${i}`));
        manyTeams.push(await createItem(own[i].id, user, `Own item ${i}`));
      }
      return { sharedTeamId: shared.id, oneTeam, manyTeams };
    };
    const baselineStarting = startGraphqlHttpBaseline(options, db.url);
    const typicalStarting = startTypicalHttpBaseline(options, db.url);
    // Stopped with the workload even if it fails first; errors surface where it is awaited.
    for (const starting of [baselineStarting, typicalStarting]) {
      starting.then(
        (p) => scope.add(p, (s) => s.stop()),
        () => undefined,
      );
    }
    const ours = await targetsFor('mut-teamgraph');
    const sql = await targetsFor('mut-sql');
    const typicals = await targetsFor('mut-typical');
    const baseline = await baselineStarting;
    const typical = await typicalStarting;

    const seconds = options.quick ? 1 : 2.5;
    const warm = options.quick ? 0.5 : 2;
    const input = (n: number) => ({
      title: `Updated by client ${n}`,
      content: { body: 'y'.repeat(200), n },
    });
    const load = (
      server: ServerProcess,
      targets: Target[],
      s: number,
      body: (target: Target, n: number) => Record<string, unknown>,
      authenticated: boolean,
    ) =>
      runLoad({
        url: `${server.origin}/graphql`,
        connections: CLIENTS,
        seconds: s,
        request: (n) => ({
          headers: jsonHeaders(authenticated ? targets[n % CLIENTS].user.token : undefined),
          body: JSON.stringify(body(targets[n % CLIENTS], n)),
        }),
      });
    const update = (t: Target, n: number) => ({
      query: UPDATE_ITEM,
      variables: { id: t.itemId, input: input(n) },
    });
    const sqlUpdate = (withActivity: boolean) => (t: Target, n: number) => ({
      query: withActivity ? BASELINE_UPDATE_WITH_ACTIVITY : BASELINE_UPDATE,
      variables: { id: t.itemId, actorId: t.user.id, input: input(n) },
    });
    const create = (_t: Target, n: number) => ({
      query: CREATE_ITEM_RESULT,
      variables: { teamId: ours.sharedTeamId, input: input(n) },
    });
    const sqlCreate = (t: Target, n: number) => ({
      query: BASELINE_CREATE_WITH_ACTIVITY,
      variables: { teamId: sql.sharedTeamId, actorId: t.user.id, input: input(n) },
    });
    const runs: [string, () => Promise<LoadResult>][] = [];
    for (const label of ['oneTeam', 'manyTeams'] as const) {
      runs.push(
        [`teamgraph.${label}`, () => load(teamgraph, ours[label], seconds, update, true)],
        [`activity.${label}`, () => load(baseline, sql[label], seconds, sqlUpdate(true), false)],
        [`typical.${label}`, () => load(typical, typicals[label], seconds, update, true)],
        [`plain.${label}`, () => load(baseline, sql[label], seconds, sqlUpdate(false), false)],
      );
    }
    runs.push(
      ['teamgraph.create', () => load(teamgraph, ours.oneTeam, seconds, create, true)],
      ['activity.create', () => load(baseline, sql.oneTeam, seconds, sqlCreate, false)],
    );

    await load(teamgraph, ours.manyTeams, warm, update, true);
    await load(baseline, sql.manyTeams, warm, sqlUpdate(true), false);
    await load(typical, typicals.manyTeams, warm, update, true);
    // Short alternating rounds, as in workload 1: drift on a shared machine hits every side alike.
    const rounds = options.quick ? 1 : 3;
    const byKey = new Map<string, LoadResult[]>(runs.map(([key]) => [key, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [key, run] of runs) byKey.get(key)?.push(await run());
    }
    const results: Record<string, LoadResult> = Object.fromEntries(
      [...byKey].map(([key, list]) => [key, combine(list)]),
    );
    for (const [key, r] of Object.entries(results))
      log(`  ${key}: ${r.requestsPerSecond} req/s, p99 ${r.p99Ms} ms, failures ${r.failures}`);

    // Every update with activity left exactly one row, and every team's seqs stayed gapless.
    const check = await db.pool.query<{ teamgraph: string; gaps: string }>(
      `SELECT (SELECT count(*) FROM activities WHERE action = 'ITEM_UPDATED' AND summary <> 'changed an item' AND summary NOT LIKE 'typical:%') AS teamgraph,
              (SELECT count(*) FROM (SELECT team_id FROM activities GROUP BY team_id HAVING count(*) <> max(seq)) g) AS gaps`,
    );
    const teamgraphRequests = Object.entries(results)
      .filter(([key]) => key === 'teamgraph.oneTeam' || key === 'teamgraph.manyTeams')
      .reduce((sum, [, r]) => sum + r.requests, 0);
    const rows: ResultRow[] = [];
    const line = (r: LoadResult) => `${r.requestsPerSecond} req/s, p99 ${r.p99Ms} ms`;
    const ratioRow = (
      measure: string,
      tg: LoadResult,
      base: LoadResult,
      baseLabel: string,
      target: number | null,
    ): ResultRow => {
      const ratio = tg.requestsPerSecond / base.requestsPerSecond;
      return {
        measure,
        teamgraph: line(tg),
        baseline: `${line(base)} (${baseLabel})`,
        ratio: round(ratio, 2),
        target: target === null ? 'reported' : `≥ ${target}×`,
        met: target === null ? null : ratio >= target,
      };
    };
    for (const [label, text] of [
      ['oneTeam', `updateItem, ${CLIENTS} clients on ${CLIENTS} items of one team`],
      ['manyTeams', `updateItem, ${CLIENTS} clients on ${CLIENTS} teams`],
    ] as const) {
      const tg = results[`teamgraph.${label}`];
      rows.push(
        ratioRow(
          `${text}: vs SQL with the same lock and activity row`,
          tg,
          results[`activity.${label}`],
          'SQL: lock + UPDATE + activity',
          0.8,
        ),
        ratioRow(`${text}: vs the typical server`, tg, results[`typical.${label}`], 'typical', 0.8),
        ratioRow(
          `${text}: vs a plain SQL UPDATE (no lock, no activity)`,
          tg,
          results[`plain.${label}`],
          'SQL UPDATE alone',
          null,
        ),
      );
    }
    rows.push(
      ratioRow(
        `createItem, ${CLIENTS} clients in one team: vs SQL with the same lock and activity row`,
        results['teamgraph.create'],
        results['activity.create'],
        'SQL: lock + INSERT + activity',
        0.8,
      ),
    );
    const failures = Object.entries(results).filter(([, r]) => r.failures);
    const notes = [
      `autocannon, ${CLIENTS} connections, ${rounds} alternating round(s) of ${seconds} s per run (p99: the worst round's); each connection is one member updating its own item (no expectedVersion), or creating items in the shared team. teamgraph's figure includes authentication, the permission check, the team row lock, the activity row with its hash chain and the publish. The SQL lines run the same lock + change + activity INSERT + team UPDATE in one transaction on the graphql-http baseline, without auth or publish; the typical server (Apollo, SDL resolvers) adds a session read and a membership check to that.`,
      `Database check after the run: ${check.rows[0].teamgraph} ITEM_UPDATED rows written by teamgraph for ${teamgraphRequests} timed updates (plus warm-up); teams with a seq gap: ${check.rows[0].gaps}.`,
    ];
    if (failures.length)
      notes.push(`Failed requests: ${failures.map(([k, r]) => `${k} ${r.failures}`).join(', ')}.`);
    return { rows, notes, metrics: results };
  },
};

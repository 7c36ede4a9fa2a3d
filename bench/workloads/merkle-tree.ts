import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { hashesOfRanges } from '../../src/activity/activity-tree';
import {
  appendLeaf,
  consistencyProofRanges,
  hashLeaf,
  inclusionProofRanges,
  rootOfFrontier,
  seqCompleting,
  type Frontier,
  type StoredSubtree,
} from '../../src/util/rfc9162';
import { UPDATE_ITEM } from '../lib/fan-out-phases';
import { gql } from '../lib/graphql';
import { combine, jsonHeaders, runLoad, type LoadResult } from '../lib/load';
import { createScratchDatabase } from '../lib/postgres';
import { startTeamgraph, type ServerProcess } from '../lib/processes';
import type { ResultRow } from '../lib/report';
import { createTeams, createUsers, type BenchUser } from '../lib/seed';
import { round, summarize } from '../lib/stats';
import type { Workload } from '../lib/workload';

const CLIENTS = 50;
const LEAVES = 1_000_000;
const PROOFS = 300;
/** Activity rows (each with the subtrees its append completed) per INSERT for the big tree. */
const INSERT_BATCH = 50_000;
const CREATE_ITEM = `mutation ($teamId: ID!, $input: CreateItemInput!) { createItem(teamId: $teamId, input: $input) { id } }`;
const INCLUSION = `query ($t: ID!, $s: Int!, $n: Int!) { activityInclusionProof(teamId: $t, seq: $s, treeSize: $n) }`;

interface Target {
  itemId: string;
  user: BenchUser;
}

/** A pool as the tree's reader wants it (rows only). */
const queryable = (pool: Pool) => ({
  query: async (text: string, params?: unknown[]) => (await pool.query(text, params)).rows,
});

/**
 * A tree of `leaves` random leaves for `teamId`, written directly (not through the API): one
 * activity row per leaf carrying the subtrees its append completed, as the server stores them.
 * Only the tree is meaningful; the rows' other fields are placeholders.
 */
async function buildBigTree(pool: Pool, teamId: string, leaves: number): Promise<Frontier> {
  let frontier: Frontier = [];
  let pending: StoredSubtree[] = [];
  let rows = 0;
  const flush = async () => {
    await pool.query(
      `INSERT INTO activities (team_id, seq, action, subject_type, subject_id, summary, created_at,
                               hash, tree_nodes)
       SELECT $1, n.seq, 'BENCH_LEAF', 'Team', $1, '', now(), '', n.nodes
         FROM (SELECT u.seq, array_agg(u.hash ORDER BY u.level) AS nodes
                 FROM unnest($2::int[], $3::smallint[], $4::bytea[]) AS u(seq, level, hash)
                GROUP BY u.seq) n`,
      [
        teamId,
        pending.map((s) => seqCompleting(s)),
        pending.map((s) => s.level),
        pending.map((s) => s.hash),
      ],
    );
    pending = [];
    rows = 0;
  };
  for (let size = 0; size < leaves; size += 1) {
    const appended = appendLeaf(frontier, size, hashLeaf(randomBytes(64)));
    frontier = appended.frontier;
    pending.push(...appended.completed);
    rows += 1;
    if (rows >= INSERT_BATCH) await flush();
  }
  if (pending.length) await flush();
  await pool.query(`UPDATE teams SET last_seq = $2, tree_frontier = $3 WHERE id = $1`, [
    teamId,
    leaves,
    frontier,
  ]);
  await pool.query('VACUUM ANALYZE activities');
  return frontier;
}

/** Times `proof` over PROOFS random arguments: milliseconds and hash counts. */
async function timeProofs(proof: (n: number) => Promise<number>) {
  const ms: number[] = [];
  const hashes: number[] = [];
  for (let i = 0; i < PROOFS; i += 1) {
    const started = performance.now();
    hashes.push(await proof(i));
    ms.push(performance.now() - started);
  }
  return { ms: summarize(ms), maxHashes: Math.max(...hashes) };
}

export const merkleTree: Workload = {
  id: 10,
  name: 'merkle',
  title: "The activity log's Merkle tree: updateItem with and without it; proofs at 1,000,000 rows",
  async run({ options, postgres, scope, log }) {
    const withTreeDb = scope.add(await createScratchDatabase(postgres, 'merkle'), (d) => d.drop());
    const withoutDb = scope.add(await createScratchDatabase(postgres, 'no_merkle'), (d) =>
      d.drop(),
    );
    const withTree = scope.add(
      await startTeamgraph(options, 'teamgraph-merkle', withTreeDb.url),
      (s) => s.stop(),
    );
    const withoutTree = scope.add(
      await startTeamgraph(options, 'teamgraph-no-merkle', withoutDb.url, {
        BENCH_WITHOUT_MERKLE_TREE: 'on',
      }),
      (s) => s.stop(),
    );

    // The same people, teams and items on both servers.
    const setup = async (server: ServerProcess, pool: Pool) => {
      const users = await createUsers(pool, CLIENTS, 'merkle');
      const [shared] = await createTeams(pool, users, CLIENTS, 'merkle-shared');
      const own = await createTeams(pool, users, 1, 'merkle-own');
      const url = `${server.origin}/graphql`;
      const item = async (teamId: string, user: BenchUser, title: string): Promise<Target> => {
        const data = await gql<{ createItem: { id: string } }>(
          url,
          CREATE_ITEM,
          { teamId, input: { title, content: { body: 'x'.repeat(200) } } },
          user.token,
        );
        return { itemId: data.createItem.id, user };
      };
      const oneTeam: Target[] = [];
      const manyTeams: Target[] = [];
      for (const [i, user] of users.entries()) {
        oneTeam.push(await item(shared.id, user, `Shared ${i}`));
        manyTeams.push(await item(own[i].id, user, `Own ${i}`));
      }
      return { oneTeam, manyTeams, users, shared };
    };
    const tree = await setup(withTree, withTreeDb.pool);
    const plain = await setup(withoutTree, withoutDb.pool);

    const seconds = options.quick ? 1 : 2.5;
    const load = (server: ServerProcess, targets: Target[], s: number) =>
      runLoad({
        url: `${server.origin}/graphql`,
        connections: CLIENTS,
        seconds: s,
        request: (n) => ({
          headers: jsonHeaders(targets[n % CLIENTS].user.token),
          body: JSON.stringify({
            query: UPDATE_ITEM,
            variables: {
              id: targets[n % CLIENTS].itemId,
              input: { title: `Updated ${n}`, content: { body: 'y'.repeat(200), n } },
            },
          }),
        }),
      });
    await load(withTree, tree.manyTeams, options.quick ? 0.5 : 2);
    await load(withoutTree, plain.manyTeams, options.quick ? 0.5 : 2);
    const runs: [string, () => Promise<LoadResult>][] = [
      ['tree.oneTeam', () => load(withTree, tree.oneTeam, seconds)],
      ['plain.oneTeam', () => load(withoutTree, plain.oneTeam, seconds)],
      ['tree.manyTeams', () => load(withTree, tree.manyTeams, seconds)],
      ['plain.manyTeams', () => load(withoutTree, plain.manyTeams, seconds)],
    ];
    // Alternating rounds: drift on a shared machine hits both sides alike.
    const rounds = options.quick ? 2 : 4;
    const byKey = new Map<string, LoadResult[]>(runs.map(([key]) => [key, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [key, run] of runs) byKey.get(key)?.push(await run());
    }
    const results = Object.fromEntries([...byKey].map(([key, list]) => [key, combine(list)]));
    for (const [key, r] of Object.entries(results))
      log(`  ${key}: ${r.requestsPerSecond} req/s, p99 ${r.p99Ms} ms, failures ${r.failures}`);

    // A million leaves, built directly, for a team the first bench user owns.
    const [big] = await createTeams(withTreeDb.pool, tree.users.slice(0, 1), 1, 'merkle-big');
    const built = performance.now();
    const frontier = await buildBigTree(withTreeDb.pool, big.id, LEAVES);
    const buildSeconds = (performance.now() - built) / 1000;
    log(`  built ${LEAVES} leaves in ${round(buildSeconds)} s`);
    const db = queryable(withTreeDb.pool);
    const [root] = await hashesOfRanges(db, big.id, [{ start: 0, end: LEAVES }]);
    if (!root.equals(rootOfFrontier(frontier))) throw new Error('the stored tree has another root');
    const pick = (i: number) => 1 + ((i * 7919 + 12345) % LEAVES);
    const inclusion = await timeProofs(async (i) => {
      const seq = pick(i);
      return (await hashesOfRanges(db, big.id, inclusionProofRanges(seq - 1, LEAVES))).length;
    });
    const consistency = await timeProofs(async (i) => {
      const from = pick(i);
      return (await hashesOfRanges(db, big.id, consistencyProofRanges(from, LEAVES))).length;
    });
    const url = `${withTree.origin}/graphql`;
    const overApi = await timeProofs(async (i) => {
      const data = await gql<{ activityInclusionProof: string[] }>(
        url,
        INCLUSION,
        { t: big.id, s: pick(i), n: LEAVES },
        big.owner.token,
      );
      return data.activityInclusionProof.length;
    });
    const [{ bytes }] = (
      await withTreeDb.pool.query<{ bytes: string }>(
        `SELECT sum(pg_column_size(tree_nodes))::bigint AS bytes FROM activities WHERE team_id = $1`,
        [big.id],
      )
    ).rows;

    const line = (r: LoadResult) => `${r.requestsPerSecond} req/s, p99 ${r.p99Ms} ms`;
    const rows: ResultRow[] = [];
    for (const [label, text] of [
      ['oneTeam', `updateItem, ${CLIENTS} clients on ${CLIENTS} items of one team`],
      ['manyTeams', `updateItem, ${CLIENTS} clients on ${CLIENTS} teams`],
    ] as const) {
      const ratio =
        results[`tree.${label}`].requestsPerSecond / results[`plain.${label}`].requestsPerSecond;
      rows.push({
        measure: `${text}: with the Merkle tree vs without it`,
        teamgraph: line(results[`tree.${label}`]),
        baseline: `${line(results[`plain.${label}`])} (BENCH_WITHOUT_MERKLE_TREE)`,
        ratio: round(ratio, 2),
        target: '≥ 0.95×',
        met: ratio >= 0.95,
      });
    }
    const proofRow = (measure: string, r: Awaited<ReturnType<typeof timeProofs>>): ResultRow => ({
      measure,
      teamgraph: `p50 ${round(r.ms.p50, 2)} ms, p99 ${round(r.ms.p99, 2)} ms, ≤ ${r.maxHashes} hashes (${r.maxHashes * 32} bytes)`,
      baseline: '—',
      ratio: null,
      target: 'reported',
      met: null,
    });
    rows.push(
      proofRow(`inclusion proof at ${LEAVES} rows (one read of the stored subtrees)`, inclusion),
      proofRow(
        `consistency proof to ${LEAVES} rows (one read of the stored subtrees)`,
        consistency,
      ),
      proofRow(
        `activityInclusionProof at ${LEAVES} rows over HTTP (auth, permission, read)`,
        overApi,
      ),
    );
    const notes = [
      `autocannon, ${CLIENTS} connections, ${rounds} alternating round(s) of ${seconds} s per run, two teamgraph processes on two databases with the same data: one writes every activity row with its leaf and the subtrees it completes (one column of the row), the team's right edge and a signed checkpoint every 100 rows or 10 s; the other runs with BENCH_WITHOUT_MERKLE_TREE=on (the row and hash chain only).`,
      `The ${LEAVES}-leaf tree was built directly (random leaves, ${INSERT_BATCH} activity rows per INSERT, each with the subtrees it completed) in ${round(buildSeconds)} s; the rows' tree_nodes hold under ${2 * LEAVES} subtrees (${round(Number(bytes) / 2 ** 20)} MiB, no index of their own). ${PROOFS} proofs each, spread over the tree.`,
    ];
    return {
      rows,
      notes,
      metrics: {
        ...results,
        inclusion,
        consistency,
        overApi,
        buildSeconds,
        treeBytes: Number(bytes),
      },
    };
  },
};

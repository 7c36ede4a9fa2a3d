import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { gql } from '../lib/graphql';
import { createScratchDatabase } from '../lib/postgres';
import { startTeamgraph } from '../lib/processes';
import { createItemsSql, createTeams, createUsers, type BenchTeam } from '../lib/seed';
import { round, summarize } from '../lib/stats';
import type { Workload } from '../lib/workload';

const PAGE_QUERY = `query ($id: ID!, $after: String) {
  team(id: $id) {
    activity(first: 50, after: $after) {
      edges { cursor node { seq action summary createdAt actor { displayName } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

interface PageAnswer {
  team: {
    activity: {
      edges: { cursor: string; node: { seq: number } }[];
      pageInfo: { endCursor: string | null };
    };
  };
}

/**
 * `rows` activity rows for one team, straight from generate_series (hashes are placeholders:
 * this workload reads pages, it does not verify the chain).
 */
async function fillActivity(
  pool: Pool,
  team: BenchTeam,
  itemId: string,
  rows: number,
): Promise<void> {
  await pool.query(
    `INSERT INTO activities (team_id, seq, actor_id, action, subject_type, subject_id, summary, details, created_at, hash)
     SELECT $1::uuid, g, $2::uuid, 'ITEM_UPDATED', 'Item', $3::uuid, 'Bench updated "Bench item"', '{"changedFields": ["title"]}',
            now() - ($4::int - g) * interval '1 second', md5(g::text)
       FROM generate_series(1, $4::int) AS g`,
    [team.id, team.owner.id, itemId, rows],
  );
  await pool.query('UPDATE teams SET last_seq = $2, last_hash = md5($3) WHERE id = $1', [
    team.id,
    rows,
    String(rows),
  ]);
}

/**
 * A cursor pointing at `seq`, made from a real one: cursors are opaque to clients, so if the
 * decoded form does not plainly contain the seq it came from, deep pages are reached by walking.
 */
function cursorFor(template: string, templateSeq: number, seq: number): string | null {
  const decoded = Buffer.from(template, 'base64url').toString('utf8');
  const pattern = new RegExp(`(?<![0-9])${templateSeq}(?![0-9])`, 'g');
  if ((decoded.match(pattern) ?? []).length !== 1) return null;
  return Buffer.from(decoded.replace(pattern, String(seq)), 'utf8').toString('base64url');
}

export const feedAtScale: Workload = {
  id: 5,
  name: 'feed',
  title: 'Activity feed at scale',
  async run({ options, postgres, scope, log }) {
    const small = 10_000;
    const large = options.quick ? 50_000 : 1_000_000;
    const requests = options.quick ? 25 : 200;
    const db = scope.add(await createScratchDatabase(postgres, 'feed'), (d) => d.drop());
    const teamgraph = scope.add(await startTeamgraph(options, 'teamgraph-feed', db.url), (s) =>
      s.stop(),
    );
    const url = `${teamgraph.origin}/graphql`;
    const users = await createUsers(db.pool, 4, 'feed');
    const teams = await createTeams(db.pool, users, 2, 'feed');
    const items = await createItemsSql(db.pool, teams);
    const started = Date.now();
    const sizes = [small, large];
    for (const [i, team] of teams.entries())
      await fillActivity(db.pool, team, items.get(team.id) ?? '', sizes[i]);
    await db.pool.query('ANALYZE activities');
    log(
      `  inserted ${small + large} activity rows in ${round((Date.now() - started) / 1000, 1)} s`,
    );

    // The first page tells the order and the cursor's shape.
    const cursors = await Promise.all(
      teams.map(async (team, i) => {
        const first = await gql<PageAnswer>(url, PAGE_QUERY, { id: team.id }, team.owner.token);
        const edges = first.team.activity.edges;
        if (edges.length !== 50)
          throw new Error(`first page of ${sizes[i]} rows has ${edges.length} edges`);
        const last = edges[edges.length - 1];
        return {
          team,
          rows: sizes[i],
          template: last.cursor,
          templateSeq: last.node.seq,
          descending: edges[0].node.seq > last.node.seq,
        };
      }),
    );
    const crafted = cursors.every((c) => cursorFor(c.template, c.templateSeq, 1) !== null);
    const latencies = new Map<number, number[]>(sizes.map((s) => [s, []]));
    const walkers = new Map<number, string | null>(sizes.map((s) => [s, null]));
    // Alternate the two teams so noise from the shared machine hits both alike.
    for (let n = options.quick ? -5 : -10; n < requests; n++) {
      for (const c of cursors) {
        let after: string | null;
        if (crafted) {
          // A uniformly random position in the whole log, at least one page from its end.
          const seq = c.descending
            ? 51 + Math.floor(Math.random() * (c.rows - 51))
            : 1 + Math.floor(Math.random() * (c.rows - 51));
          after = cursorFor(c.template, c.templateSeq, seq);
        } else {
          after = walkers.get(c.rows) ?? null;
        }
        const t0 = performance.now();
        const page = await gql<PageAnswer>(
          url,
          PAGE_QUERY,
          { id: c.team.id, after },
          c.team.owner.token,
        );
        const ms = performance.now() - t0;
        if (page.team.activity.edges.length !== 50)
          throw new Error(`a page of ${c.rows} rows had ${page.team.activity.edges.length} edges`);
        walkers.set(c.rows, page.team.activity.pageInfo.endCursor);
        if (n >= 0) latencies.get(c.rows)?.push(ms);
      }
    }
    const [s, l] = sizes.map((size) => summarize(latencies.get(size) ?? []));
    const ratio = l.p50 / s.p50;
    const fmt = (x: typeof s) => `p50 ${round(x.p50, 1)} / p99 ${round(x.p99, 1)} ms`;
    const notes = [
      `${requests} sequential page requests per team (after ${options.quick ? 5 : 10} warm-ups), alternating between a team with ${small} and one with ${large} activity rows (rows inserted with generate_series; no totalCount requested).`,
      crafted
        ? 'Each request starts at a uniformly random position in the log (a cursor re-encoded for a random seq), so deep pages count as much as recent ones.'
        : 'The cursor format did not expose its seq, so pages were walked from the newest one.',
    ];
    if (options.quick) notes.push(`Quick mode: ${large} rows instead of 1,000,000.`);
    return {
      rows: [
        {
          measure: `Team.activity(first: 50, after) page: ${large.toLocaleString('en-US')} rows vs ${small.toLocaleString('en-US')} (ratio of p50)`,
          teamgraph: `${fmt(l)} at ${large.toLocaleString('en-US')}`,
          baseline: `${fmt(s)} at ${small.toLocaleString('en-US')}`,
          ratio: round(ratio, 2),
          target: '≤ 1.5×',
          met: ratio <= 1.5,
        },
      ],
      notes,
      metrics: {
        small: { rows: small, ...s },
        large: { rows: large, ...l },
        craftedCursors: crafted,
      },
    };
  },
};

import { hashOfRange, subtreesOfRange, type LeafRange, type SubtreeKey } from '../util/rfc9162';

/** Something that runs SQL and answers the rows: an EntityManager, or a pg pool's adapter. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

const keyOf = ({ level, index }: SubtreeKey) => `${level}/${index}`;

/** A subtree the size promised is not stored: the team went meanwhile, or the tree is damaged. */
export class MissingSubtree extends Error {}

/**
 * The hashes of `ranges` of a team's tree, read from its stored complete subtrees in one
 * statement: O(log n) rows by primary key for a proof or a root. Each range is a subtree range
 * of the RFC's recursion (src/util/rfc9162.ts).
 */
export async function hashesOfRanges(
  db: Queryable,
  teamId: string,
  ranges: LeafRange[],
): Promise<Buffer[]> {
  const wanted = new Map<string, SubtreeKey>();
  for (const range of ranges) {
    for (const key of subtreesOfRange(range)) wanted.set(keyOf(key), key);
  }
  if (!wanted.size) return [];
  const keys = [...wanted.values()];
  const rows = (await db.query(
    `SELECT n.level, n.node_index, n.hash
       FROM unnest($2::smallint[], $3::bigint[]) AS k(level, node_index)
       JOIN activity_tree_nodes n
         ON n.team_id = $1 AND n.level = k.level AND n.node_index = k.node_index`,
    [teamId, keys.map((k) => k.level), keys.map((k) => k.index)],
  )) as { level: number; node_index: string; hash: Buffer }[];
  const found = new Map(rows.map((r) => [`${r.level}/${Number(r.node_index)}`, r.hash]));
  return ranges.map((range) =>
    hashOfRange(range, (key) => {
      const hash = found.get(keyOf(key));
      if (!hash) throw new MissingSubtree(`team ${teamId}: the tree misses subtree ${keyOf(key)}`);
      return hash;
    }),
  );
}

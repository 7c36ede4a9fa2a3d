import type { EntityManager } from 'typeorm';
import { hashOfRange, subtreesOfRange, type LeafRange, type SubtreeKey } from '../util/rfc9162';

/** A connection that can query: the data source's manager or a transaction's. */
type Queryable = Pick<EntityManager, 'query'>;

const keyOf = ({ level, index }: SubtreeKey) => `${level}/${index}`;

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
  const rows: { level: number; node_index: string; hash: Buffer }[] = await db.query(
    `SELECT n.level, n.node_index, n.hash
       FROM unnest($2::smallint[], $3::bigint[]) AS k(level, node_index)
       JOIN activity_tree_nodes n
         ON n.team_id = $1 AND n.level = k.level AND n.node_index = k.node_index`,
    [teamId, keys.map((k) => k.level), keys.map((k) => k.index)],
  );
  const found = new Map(rows.map((r) => [`${r.level}/${Number(r.node_index)}`, r.hash]));
  return ranges.map((range) =>
    hashOfRange(range, (key) => {
      const hash = found.get(keyOf(key));
      if (!hash) throw new Error(`team ${teamId}: the tree misses subtree ${keyOf(key)}`);
      return hash;
    }),
  );
}

/** MTH of the team's first `size` rows. */
export async function rootAt(db: Queryable, teamId: string, size: number): Promise<Buffer> {
  const [root] = await hashesOfRanges(db, teamId, [{ start: 0, end: size }]);
  return root;
}

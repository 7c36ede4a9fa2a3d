import {
  hashOfRange,
  seqCompleting,
  subtreesOfRange,
  type LeafRange,
  type SubtreeKey,
} from '../util/rfc9162';

/** Something that runs SQL and answers the rows: an EntityManager, or a pg pool's adapter. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

const keyOf = ({ level, index }: SubtreeKey) => `${level}/${index}`;

/** A subtree the size promised is not stored: the team went meanwhile, or the tree is damaged. */
export class MissingSubtree extends Error {}

/**
 * The hashes of `ranges` of a team's tree, read from its stored complete subtrees in one
 * statement. Each activity row holds, in `tree_nodes`, the subtrees its append completed
 * (element L: the one of level L), so a subtree is element L of the row of seq
 * `seqCompleting(key)`: O(log n) rows through the (team_id, seq) index for a proof or a root.
 * Each range is a subtree range of the RFC's recursion (src/util/rfc9162.ts).
 */
export async function hashesOfRanges(
  db: Queryable,
  teamId: string,
  ranges: LeafRange[],
): Promise<Buffer[]> {
  const seqs = new Set<number>();
  for (const range of ranges) {
    for (const key of subtreesOfRange(range)) seqs.add(seqCompleting(key));
  }
  if (!seqs.size) return [];
  const rows = (await db.query(
    `SELECT seq, tree_nodes FROM activities WHERE team_id = $1 AND seq = ANY($2::int[])`,
    [teamId, [...seqs]],
  )) as { seq: number; tree_nodes: Buffer[] }[];
  const nodesBySeq = new Map(rows.map((r) => [r.seq, r.tree_nodes]));
  return ranges.map((range) =>
    hashOfRange(range, (key) => {
      const hash = nodesBySeq.get(seqCompleting(key))?.[key.level];
      if (!hash) throw new MissingSubtree(`team ${teamId}: the tree misses subtree ${keyOf(key)}`);
      return hash;
    }),
  );
}

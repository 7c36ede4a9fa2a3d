import { createHash } from 'node:crypto';

/*
 * The Merkle tree of Certificate Transparency (RFC 9162 §2.1), as the pure arithmetic a store of
 * complete subtrees needs: appending a leaf, the root of any size, and which subtrees an
 * inclusion or consistency proof is made of. No recursion: depths are bounded by 53 (sizes are
 * JavaScript integers), and every loop below runs at most that many times.
 */

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** SHA-256(0x00 ‖ leaf). */
export const hashLeaf = (leaf: Buffer | string): Buffer =>
  createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();

/** SHA-256(0x01 ‖ left ‖ right). */
export const hashChildren = (left: Buffer, right: Buffer): Buffer =>
  createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();

/** MTH of the empty list: SHA-256 of nothing. */
export const EMPTY_ROOT = createHash('sha256').digest();

/** A complete subtree: the 2^level leaves from index · 2^level on (a leaf is level 0). */
export interface SubtreeKey {
  level: number;
  index: number;
}

/**
 * The 1-based size at which a subtree became complete, i.e. the seq of the log row whose append
 * completed it: its last leaf's, (index + 1) · 2^level.
 */
export const seqCompleting = ({ level, index }: SubtreeKey): number => (index + 1) * 2 ** level;

export interface StoredSubtree extends SubtreeKey {
  hash: Buffer;
}

/** The leaves [start, end) whose MTH a proof or root needs. */
export interface LeafRange {
  start: number;
  end: number;
}

/**
 * The right edge of a tree of some size: by level, the hash of the complete subtree that the
 * size's binary form has at that level (null where its bit is 0). Enough to append and to
 * compute the root, with no reads.
 */
export type Frontier = (Buffer | null)[];

/** The largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Appends `leafHash` as leaf number `size` (0-based) to a tree with this frontier. Returns the
 * new frontier and every complete subtree the append completed, the leaf first: O(log n)
 * hashes, each written once and never changed afterwards.
 */
export function appendLeaf(
  frontier: Frontier,
  size: number,
  leafHash: Buffer,
): { frontier: Frontier; completed: StoredSubtree[] } {
  const next = [...frontier];
  const completed: StoredSubtree[] = [{ level: 0, index: size, hash: leafHash }];
  let carry = leafHash;
  let level = 0;
  let index = size;
  while (index % 2 === 1) {
    const left = next[level];
    if (!left) throw new Error(`the frontier of size ${size} misses level ${level}`);
    carry = hashChildren(left, carry);
    next[level] = null;
    level += 1;
    index = (index - 1) / 2;
    completed.push({ level, index, hash: carry });
  }
  next[level] = carry;
  while (next.length && next[next.length - 1] === null) next.pop();
  return { frontier: next, completed };
}

/** MTH of the tree whose right edge is `frontier`: the edge folded from its lowest level up. */
export function rootOfFrontier(frontier: Frontier): Buffer {
  let root: Buffer | null = null;
  for (const subtree of frontier) {
    if (subtree) root = root ? hashChildren(subtree, root) : subtree;
  }
  return root ?? EMPTY_ROOT;
}

/**
 * The complete subtrees a range of the RFC's recursion is made of, largest (leftmost) first.
 * Such a range starts at a multiple of the largest power of two not above its width, so each
 * piece is aligned; anything else is refused rather than answered wrongly.
 */
export function subtreesOfRange({ start, end }: LeafRange): SubtreeKey[] {
  const pieces: SubtreeKey[] = [];
  let at = start;
  while (at < end) {
    let width = 1;
    let level = 0;
    while (width * 2 <= end - at) {
      width *= 2;
      level += 1;
    }
    if (at % width !== 0) throw new Error(`leaves [${start}, ${end}) are not a subtree range`);
    pieces.push({ level, index: at / width });
    at += width;
  }
  return pieces;
}

/** MTH of a range from its complete subtrees (as `subtreesOfRange` lists them). */
export function hashOfRange(range: LeafRange, lookup: (key: SubtreeKey) => Buffer): Buffer {
  const pieces = subtreesOfRange(range);
  if (!pieces.length) return EMPTY_ROOT;
  let hash = lookup(pieces[pieces.length - 1]);
  for (let i = pieces.length - 2; i >= 0; i -= 1) hash = hashChildren(lookup(pieces[i]), hash);
  return hash;
}

/** The ranges of PATH(m, D[0:n]) (RFC 9162 §2.1.3.1), in the proof's order (leaf side first). */
export function inclusionProofRanges(leafIndex: number, treeSize: number): LeafRange[] {
  if (!(leafIndex >= 0 && leafIndex < treeSize)) throw new RangeError('leaf outside the tree');
  const fromTop: LeafRange[] = [];
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (leafIndex - start < k) {
      fromTop.push({ start: start + k, end });
      end = start + k;
    } else {
      fromTop.push({ start, end: start + k });
      start += k;
    }
  }
  return fromTop.reverse();
}

/** The ranges of PROOF(m, D[0:n]) (RFC 9162 §2.1.4.1), in the proof's order. */
export function consistencyProofRanges(fromSize: number, toSize: number): LeafRange[] {
  if (!(fromSize >= 1 && fromSize <= toSize)) throw new RangeError('sizes out of order');
  if (fromSize === toSize) return [];
  const fromTop: LeafRange[] = [];
  let start = 0;
  let end = toSize;
  let m = fromSize;
  // SUBPROOF's flag: true while the range is still a prefix of the old tree's own root.
  let isOldRoot = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      fromTop.push({ start: start + k, end });
      end = start + k;
    } else {
      fromTop.push({ start, end: start + k });
      start += k;
      m -= k;
      isOldRoot = false;
    }
  }
  if (!isOldRoot) fromTop.push({ start, end });
  return fromTop.reverse();
}

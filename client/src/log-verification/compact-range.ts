import { sha256 } from './log-crypto';
import { MAX_PROOF_HASHES, nodeHash } from './merkle-tree';

/**
 * The roots of the perfect subtrees that cover leaves [0, size) of an RFC 9162 tree, largest
 * first: one per set bit of `size`, so at most 53. Enough to append leaves and to compute the
 * root at every size without the rest of the tree (a "compact range" or frontier).
 */
export interface CompactRange {
  size: number;
  hashes: Uint8Array[];
}

export const EMPTY_RANGE: CompactRange = { size: 0, hashes: [] };

/** The range with one more leaf: equal-sized subtrees on the right merge, as in a binary carry. */
export async function appendLeaf(range: CompactRange, leaf: Uint8Array): Promise<CompactRange> {
  const hashes = [...range.hashes, leaf];
  for (let carry = range.size; carry % 2 === 1; carry = Math.floor(carry / 2)) {
    const right = hashes.pop()!;
    const left = hashes.pop()!;
    hashes.push(await nodeHash(left, right));
  }
  return { size: range.size + 1, hashes };
}

/** MTH of the leaves the range covers: the subtree roots folded from the smallest up. */
export async function rangeRoot(range: CompactRange): Promise<Uint8Array> {
  if (range.hashes.length === 0) return sha256(new Uint8Array(0));
  let root = range.hashes[range.hashes.length - 1]!;
  for (let i = range.hashes.length - 2; i >= 0; i -= 1)
    root = await nodeHash(range.hashes[i]!, root);
  return root;
}

/**
 * The range of a tree of `size` leaves from the inclusion proof of its last leaf (seq = size):
 * that proof holds, after the siblings inside the last subtree, the roots of every subtree to
 * its left. Undefined when the proof has the wrong length for that size. The range is only as
 * good as the proof: check its root against a signed one before trusting it.
 */
export async function rangeFromLastLeafProof(
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<CompactRange | undefined> {
  if (!Number.isSafeInteger(size) || size < 1 || proof.length > MAX_PROOF_HASHES) return undefined;
  let lastSubtreeHeight = 0;
  for (let n = size; n % 2 === 0; n = Math.floor(n / 2)) lastSubtreeHeight += 1;
  let subtreeCount = 0;
  for (let n = size; n > 0; n = Math.floor(n / 2)) subtreeCount += n % 2;
  if (proof.length !== lastSubtreeHeight + subtreeCount - 1) return undefined;
  let last = leaf;
  for (const sibling of proof.slice(0, lastSubtreeHeight)) last = await nodeHash(sibling, last);
  const leftSubtrees = proof.slice(lastSubtreeHeight).reverse();
  return { size, hashes: [...leftSubtrees, last] };
}

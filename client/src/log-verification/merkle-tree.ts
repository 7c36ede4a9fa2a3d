import { sameBytes } from './base64';
import { sha256 } from './log-crypto';

/**
 * RFC 9162 §2.1 (Certificate Transparency's Merkle tree): leaf hash SHA-256(0x00 ‖ leaf), node
 * hash SHA-256(0x01 ‖ left ‖ right), and the verification of its inclusion (§2.1.3.2) and
 * consistency (§2.1.4.2) proofs. Loops only, and a proof's length is checked before any hashing.
 */

/** A proof for a tree of at most 2^53 leaves has at most 2·53 hashes; anything longer is forged. */
export const MAX_PROOF_HASHES = 106;

export async function leafHash(leaf: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array(leaf.length + 1);
  input.set(leaf, 1);
  return sha256(input);
}

export async function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = 1;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/**
 * MTH of a list of leaf hashes. Pairing level by level and carrying an odd last node up
 * unchanged builds the same tree as the RFC's split at the largest power of two below n.
 */
export async function merkleRoot(leafHashes: readonly Uint8Array[]): Promise<Uint8Array> {
  if (leafHashes.length === 0) return sha256(new Uint8Array(0));
  let level = [...leafHashes];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2)
      next.push(await nodeHash(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

const isOdd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);
/** Arithmetic, not bitwise: sizes go past 2^32. */
function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && !isOdd(m)) m = half(m);
  return m === 1;
}
const validSize = (n: number) => Number.isSafeInteger(n) && n >= 1;

/** RFC 9162 §2.1.3.2: is the leaf at `leafIndex` (seq - 1) in the tree of `treeSize` with `root`? */
export async function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<boolean> {
  if (!validSize(treeSize) || !Number.isSafeInteger(leafIndex) || leafIndex < 0) return false;
  if (leafIndex >= treeSize || proof.length > MAX_PROOF_HASHES) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameBytes(r, root);
}

/**
 * RFC 9162 §2.1.4.2: is the tree of `secondSize` with `secondRoot` an append-only extension of
 * the tree of `firstSize` with `firstRoot`? Equal sizes need an empty proof and equal roots.
 */
export async function verifyConsistency(
  firstSize: number,
  secondSize: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): Promise<boolean> {
  if (!validSize(firstSize) || !validSize(secondSize) || firstSize > secondSize) return false;
  if (proof.length > MAX_PROOF_HASHES) return false;
  if (firstSize === secondSize) return proof.length === 0 && sameBytes(firstRoot, secondRoot);
  if (proof.length === 0) return false;
  // A first tree that is a full subtree is itself the first node of the path.
  const path = isPowerOfTwo(firstSize) ? [firstRoot, ...proof] : [...proof];
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameBytes(fr, firstRoot) && sameBytes(sr, secondRoot);
}

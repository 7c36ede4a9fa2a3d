import { createHash } from 'node:crypto';

/*
 * RFC 9162 §2.1 written out as the RFC states it (recursive definitions over the leaf list), and
 * its two verification algorithms (§2.1.3.2, §2.1.4.2), independent of the server's tree code.
 * For tests only: inputs are small, so the recursion is harmless here.
 */

const sha256 = (...parts: Buffer[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

export const referenceLeafHash = (leaf: Buffer): Buffer => sha256(Buffer.from([0]), leaf);
const node = (left: Buffer, right: Buffer) => sha256(Buffer.from([1]), left, right);

const largestPowerBelow = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** MTH(D[n]) over raw leaves. */
export function referenceRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return referenceLeafHash(leaves[0]);
  const k = largestPowerBelow(leaves.length);
  return node(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

/** PATH(m, D[n]). */
export function referencePath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = largestPowerBelow(leaves.length);
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

function subproof(m: number, leaves: Buffer[], isOldRoot: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return isOldRoot ? [] : [referenceRoot(leaves)];
  const k = largestPowerBelow(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), isOldRoot), referenceRoot(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), referenceRoot(leaves.slice(0, k))];
}

/** PROOF(m, D[n]). */
export const referenceConsistency = (m: number, leaves: Buffer[]): Buffer[] =>
  subproof(m, leaves, true);

/** RFC 9162 §2.1.3.2: does `path` prove the leaf hash at `index` in a tree of `size` with `root`? */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Buffer,
  path: Buffer[],
  root: Buffer,
): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of `first` with `firstRoot` is a prefix? */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Buffer,
  secondRoot: Buffer,
  proof: Buffer[],
): boolean {
  if (first > second || first < 1) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  let path = proof;
  const isPowerOfTwo = (first & (first - 1)) === 0;
  if (isPowerOfTwo) path = [firstRoot, ...path];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = node(c, fr);
      sr = node(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = node(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}

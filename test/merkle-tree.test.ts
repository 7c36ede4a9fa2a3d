import fc from 'fast-check';
import {
  appendLeaf,
  consistencyProofRanges,
  hashLeaf,
  hashOfRange,
  inclusionProofRanges,
  rootOfFrontier,
  subtreesOfRange,
  type Frontier,
  type SubtreeKey,
} from '../src/util/rfc9162';
import {
  referenceConsistency,
  referenceLeafHash,
  referencePath,
  referenceRoot,
  verifyConsistency,
  verifyInclusion,
} from './support/rfc9162-reference';

/** The tree as the server keeps it: every complete subtree by (level, index), and the edge. */
function buildStore(leaves: Buffer[]) {
  const subtrees = new Map<string, Buffer>();
  const frontiers: Frontier[] = [[]];
  let frontier: Frontier = [];
  leaves.forEach((leaf, size) => {
    const appended = appendLeaf(frontier, size, hashLeaf(leaf));
    for (const s of appended.completed) {
      const key = `${s.level}/${s.index}`;
      // Written once: an append never rewrites a completed subtree.
      expect(subtrees.has(key)).toBe(false);
      subtrees.set(key, s.hash);
    }
    frontier = appended.frontier;
    frontiers.push(frontier);
  });
  const reads: SubtreeKey[] = [];
  const lookup = (key: SubtreeKey) => {
    reads.push(key);
    const hash = subtrees.get(`${key.level}/${key.index}`);
    if (!hash) throw new Error(`no subtree ${key.level}/${key.index}`);
    return hash;
  };
  return { frontiers, lookup, reads };
}

const proofOf = (ranges: { start: number; end: number }[], lookup: (k: SubtreeKey) => Buffer) =>
  ranges.map((range) => hashOfRange(range, lookup));

const leavesArb = fc.array(fc.uint8Array({ minLength: 0, maxLength: 24 }), {
  minLength: 1,
  maxLength: 70,
});

describe('the Merkle tree (RFC 9162 §2.1) against a reference written from the RFC', () => {
  it('appends to the same roots, inclusion proofs and consistency proofs, for every size', () => {
    fc.assert(
      fc.property(leavesArb, (raw) => {
        const leaves = raw.map((bytes) => Buffer.from(bytes));
        const { frontiers, lookup } = buildStore(leaves);
        for (let n = 1; n <= leaves.length; n += 1) {
          const root = referenceRoot(leaves.slice(0, n));
          expect(rootOfFrontier(frontiers[n]).equals(root)).toBe(true);
          expect(hashOfRange({ start: 0, end: n }, lookup).equals(root)).toBe(true);
          for (let m = 0; m < n; m += 1) {
            const proof = proofOf(inclusionProofRanges(m, n), lookup);
            expect(proof).toEqual(referencePath(m, leaves.slice(0, n)));
            expect(verifyInclusion(m, n, referenceLeafHash(leaves[m]), proof, root)).toBe(true);
          }
          for (let m = 1; m <= n; m += 1) {
            const proof = proofOf(consistencyProofRanges(m, n), lookup);
            expect(proof).toEqual(referenceConsistency(m, leaves.slice(0, n)));
            const oldRoot = referenceRoot(leaves.slice(0, m));
            expect(verifyConsistency(m, n, oldRoot, root, proof)).toBe(true);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('proves nothing for a tampered, reordered or truncated log', () => {
    fc.assert(
      fc.property(
        leavesArb.filter((l) => l.length >= 2),
        fc.nat(),
        fc.nat(),
        (raw, a, b) => {
          const leaves = raw.map((bytes, i) => Buffer.concat([Buffer.from([i]), bytes]));
          const n = leaves.length;
          const m = a % n;
          const { lookup } = buildStore(leaves);
          const root = referenceRoot(leaves);
          const path = proofOf(inclusionProofRanges(m, n), lookup);
          // A tampered leaf is not included.
          const tampered = Buffer.concat([leaves[m], Buffer.from('x')]);
          expect(verifyInclusion(m, n, referenceLeafHash(tampered), path, root)).toBe(false);
          // Reordered: another leaf at this position.
          const other = (m + 1 + (b % (n - 1))) % n;
          expect(verifyInclusion(m, n, referenceLeafHash(leaves[other]), path, root)).toBe(false);
          // Truncated: the root of a shorter log does not verify the full log's proofs.
          const shorter = referenceRoot(leaves.slice(0, n - 1));
          expect(verifyInclusion(m, n, referenceLeafHash(leaves[m]), path, shorter)).toBe(false);
          // A rewritten history is not consistent with the old root.
          const from = 1 + (b % (n - 1));
          const proof = proofOf(consistencyProofRanges(from, n), lookup);
          const forked = [...leaves];
          forked[b % from] = Buffer.concat([forked[b % from], Buffer.from('!')]);
          expect(
            verifyConsistency(from, n, referenceRoot(forked.slice(0, from)), root, proof),
          ).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reads O(log n) subtrees per proof', () => {
    const sizes = [1, 2, 3, 1000, 1_000_001, 2 ** 40 + 12345];
    for (const n of sizes) {
      const bound = 2 * Math.ceil(Math.log2(n + 1)) + 2;
      for (const m of [0, Math.floor(n / 3), n - 1]) {
        const pieces = inclusionProofRanges(m, n).flatMap(subtreesOfRange);
        expect(pieces.length).toBeLessThanOrEqual(bound);
      }
      for (const m of [1, Math.floor(n / 2) || 1, n]) {
        const pieces = consistencyProofRanges(m, n).flatMap(subtreesOfRange);
        expect(pieces.length).toBeLessThanOrEqual(bound);
      }
    }
  });

  it('refuses sizes outside the tree', () => {
    expect(() => inclusionProofRanges(3, 3)).toThrow(RangeError);
    expect(() => consistencyProofRanges(0, 3)).toThrow(RangeError);
    expect(() => consistencyProofRanges(4, 3)).toThrow(RangeError);
  });
});

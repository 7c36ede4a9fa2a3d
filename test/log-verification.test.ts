import fc from 'fast-check';
import { canonicalActivity, type ChainedActivity } from '../client/src/activity-hash';
import {
  appendLeaf,
  EMPTY_RANGE,
  rangeFromLastLeafProof,
  rangeRoot,
} from '../client/src/log-verification/compact-range';
import { verifyLogExport } from '../client/src/log-verification/log-export';
import {
  leafHash,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from '../client/src/log-verification/merkle-tree';
import {
  b64,
  chainRows,
  exportOf,
  leafHashOf,
  leavesOf,
  newKey,
  publicPart,
  referenceConsistencyProof,
  referenceInclusionProof,
  referenceRoot,
  rowContent,
  sha256,
  signCheckpoint,
  type TestExport,
} from './support/generated-log';
import { independentlyVerifyExport } from './support/independent-log-verifier';

/**
 * The kit's log verification against RFC 9162 as the RFC defines it (recursive, in
 * support/generated-log.ts), over generated logs; and the kit's export check against the
 * independent verifier written from docs/log-verification.md.
 */
const leavesArb = (max: number) =>
  fc
    .array(fc.uint8Array({ maxLength: 12 }), { maxLength: max })
    // Distinct leaves (the index leads), as distinct rows are: equal leaves would swap freely.
    .map((raw) =>
      raw.map((bytes, index) => leafHashOf(Buffer.concat([Buffer.from(`${index}:`), bytes]))),
    );

const flip = (hash: Buffer, at = 0) => {
  const copy = Buffer.from(hash);
  copy[at % copy.length] ^= 1;
  return copy;
};

describe('the Merkle tree (RFC 9162 §2.1)', () => {
  it('leaf hash is SHA-256(0x00 ‖ leaf); the root of any leaf list is MTH, built or appended', async () => {
    await fc.assert(
      fc.asyncProperty(leavesArb(80), async (leaves) => {
        const expected = referenceRoot(leaves);
        expect(Buffer.from(await merkleRoot(leaves))).toEqual(expected);
        let range = EMPTY_RANGE;
        for (const [index, leaf] of leaves.entries()) {
          range = await appendLeaf(range, leaf);
          expect(Buffer.from(await rangeRoot(range))).toEqual(
            referenceRoot(leaves.slice(0, index + 1)),
          );
          // One subtree root per set bit of the size.
          expect(range.hashes).toHaveLength((index + 1).toString(2).replace(/0/g, '').length);
        }
        expect(Buffer.from(await rangeRoot(range))).toEqual(expected);
      }),
      { numRuns: 60 },
    );
    const leaf = Buffer.from('{"a":1}');
    expect(Buffer.from(await leafHash(leaf))).toEqual(sha256(Buffer.from([0]), leaf));
  });

  it('every inclusion proof verifies, and none for another leaf, index or a changed hash', async () => {
    await fc.assert(
      fc.asyncProperty(
        leavesArb(70).filter((l) => l.length > 0),
        fc.nat(),
        async (leaves, pick) => {
          const n = leaves.length;
          const root = referenceRoot(leaves);
          for (let m = 0; m < n; m += 1) {
            const proof = referenceInclusionProof(m, leaves);
            expect(await verifyInclusion(m, n, leaves[m]!, proof, root)).toBe(true);
          }
          const m = pick % n;
          const proof = referenceInclusionProof(m, leaves);
          expect(await verifyInclusion(m, n, flip(leaves[m]!), proof, root)).toBe(false);
          expect(await verifyInclusion(m, n, leaves[m]!, proof, flip(root))).toBe(false);
          expect(await verifyInclusion(n, n, leaves[m]!, proof, root)).toBe(false);
          if (n > 1) {
            expect(await verifyInclusion((m + 1) % n, n, leaves[m]!, proof, root)).toBe(false);
            expect(await verifyInclusion(m, n, leaves[m]!, proof.slice(1), root)).toBe(false);
            expect(
              await verifyInclusion(
                m,
                n,
                leaves[m]!,
                proof.map((p, i) => (i === pick % proof.length ? flip(p) : p)),
                root,
              ),
            ).toBe(false);
          }
          expect(await verifyInclusion(m, n, leaves[m]!, [...proof, root], root)).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('every consistency proof verifies for every pair of sizes, and none for another history', async () => {
    await fc.assert(
      fc.asyncProperty(
        leavesArb(40).filter((l) => l.length > 0),
        fc.nat(),
        async (leaves, pick) => {
          const n = leaves.length;
          for (let first = 1; first <= n; first += 1) {
            for (let second = first; second <= n; second += 1) {
              const prefix = leaves.slice(0, second);
              const proof = referenceConsistencyProof(first, prefix);
              const firstRoot = referenceRoot(leaves.slice(0, first));
              const secondRoot = referenceRoot(prefix);
              expect(await verifyConsistency(first, second, proof, firstRoot, secondRoot)).toBe(
                true,
              );
              // A history that differs anywhere in the first tree: no proof makes them consistent.
              const rewritten = [...prefix];
              const at = pick % first;
              rewritten[at] = flip(rewritten[at]!);
              expect(
                await verifyConsistency(first, second, proof, firstRoot, referenceRoot(rewritten)),
              ).toBe(false);
              expect(
                await verifyConsistency(first, second, proof, flip(firstRoot), secondRoot),
              ).toBe(false);
              if (proof.length > 0)
                expect(
                  await verifyConsistency(first, second, proof.slice(0, -1), firstRoot, secondRoot),
                ).toBe(false);
              if (first < second)
                expect(await verifyConsistency(second, first, proof, secondRoot, firstRoot)).toBe(
                  false,
                );
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('a truncated tree is not consistent with the longer one it claims to continue', async () => {
    const leaves = Array.from({ length: 13 }, (_, i) => leafHashOf(Buffer.from([i])));
    const kept = referenceRoot(leaves);
    // The server dropped rows 11..13 and appended two others: 12 leaves now, not a prefix of 13.
    const after = [
      ...leaves.slice(0, 10),
      leafHashOf(Buffer.from('x')),
      leafHashOf(Buffer.from('y')),
    ];
    for (const size of [11, 12]) {
      const proof = referenceConsistencyProof(size, leaves);
      expect(
        await verifyConsistency(size, 13, proof, referenceRoot(after.slice(0, size)), kept),
      ).toBe(false);
    }
  });

  it('the range of a tree comes from the inclusion proof of its last leaf', async () => {
    const leaves = Array.from({ length: 70 }, (_, i) => leafHashOf(Buffer.from(`leaf ${i}`)));
    let appended = EMPTY_RANGE;
    for (let size = 1; size <= leaves.length; size += 1) {
      appended = await appendLeaf(appended, leaves[size - 1]!);
      const prefix = leaves.slice(0, size);
      const proof = referenceInclusionProof(size - 1, prefix);
      const range = await rangeFromLastLeafProof(size, leaves[size - 1]!, proof);
      expect(range?.hashes.map(b64)).toEqual(appended.hashes.map(b64));
      expect(
        await rangeFromLastLeafProof(size, leaves[size - 1]!, [...proof, proof[0] ?? leaves[0]!]),
      ).toBeUndefined();
    }
  });

  it('a tree past 2^32 leaves is walked with arithmetic, not 32-bit operators', async () => {
    // Leaf 2^32 of a tree of 2^32 + 1 leaves: its only sibling is the root of the first 2^32.
    const left = sha256(Buffer.from('the first 2^32 leaves'));
    const leaf = leafHashOf(Buffer.from('last'));
    const root = sha256(Buffer.from([1]), left, leaf);
    expect(await verifyInclusion(2 ** 32, 2 ** 32 + 1, leaf, [left], root)).toBe(true);
    expect(await verifyInclusion(2 ** 32, 2 ** 32 + 2, leaf, [left], root)).toBe(false);
  });
});

const TEAM = '6f1c3a4e-8f5e-4a36-9d0b-0b6f0a3c1d22';
const T0 = '2025-01-01T00:00:00.000Z';
const ROTATED = '2027-01-01T00:00:00.000Z';
const oldKey = newKey('key-2025', T0, ROTATED);
const newerKey = newKey('key-2027', ROTATED);
const stranger = newKey('key-2025', T0);
const pinned = [oldKey, newerKey].map(publicPart);

/** An export signed by the key valid at its time: logs straddle the key rotation. */
const exportArb = fc
  .record({
    contents: fc.array(rowContent, { minLength: 1, maxLength: 40 }),
    at: fc.integer({ min: Date.parse(T0), max: Date.parse('2029-01-01') }),
  })
  .map(({ contents, at }) => {
    const timestamp = new Date(at).toISOString();
    const key = timestamp <= ROTATED ? oldKey : newerKey;
    return exportOf(TEAM, chainRows(TEAM, contents), key, timestamp, [oldKey, newerKey]);
  });

async function bothVerdicts(file: TestExport, keys = pinned) {
  const kit = await verifyLogExport(JSON.parse(JSON.stringify(file)), { pinnedKeys: keys });
  const independent = independentlyVerifyExport(JSON.parse(JSON.stringify(file)), keys);
  return { kit, independent };
}

type Attack = { name: string; step: string; apply(file: TestExport, pick: number): TestExport };

const clone = (file: TestExport): TestExport => JSON.parse(JSON.stringify(file)) as TestExport;
const ATTACKS: Attack[] = [
  {
    name: 'a row altered',
    step: 'chain',
    apply: (file, pick) => {
      const copy = clone(file);
      const row = copy.rows[pick % copy.rows.length]!;
      row.details = { ...row.details, altered: true };
      return copy;
    },
  },
  {
    name: 'a row altered and the chain re-hashed after it',
    step: 'root',
    apply: (file, pick) => {
      const copy = clone(file);
      const at = pick % copy.rows.length;
      copy.rows[at]!.action =
        copy.rows[at]!.action === 'MEMBER_LEFT' ? 'MEMBER_JOINED' : 'MEMBER_LEFT';
      copy.rows = chainRows(
        TEAM,
        copy.rows.map(({ teamId: _t, seq: _s, hash: _h, ...content }) => content),
      );
      return copy;
    },
  },
  {
    name: 'two rows swapped, renumbered and re-hashed',
    step: 'root',
    apply: (file, pick) => {
      const copy = clone(file);
      const contents = copy.rows.map(({ teamId: _t, seq: _s, hash: _h, ...content }) => content);
      const at = pick % (contents.length - 1);
      [contents[at], contents[at + 1]] = [contents[at + 1]!, contents[at]!];
      copy.rows = chainRows(TEAM, contents);
      return copy;
    },
  },
  {
    name: 'the last rows dropped',
    step: 'format',
    apply: (file, pick) => ({ ...clone(file), rows: file.rows.slice(0, pick % file.rows.length) }),
  },
  {
    name: 'the last rows dropped and a checkpoint forged for the shorter log',
    step: 'signature',
    apply: (file, pick) => {
      const rows = file.rows.slice(0, 1 + (pick % file.rows.length));
      const forged = exportOf(TEAM, rows, stranger, file.checkpoint.timestamp);
      return { ...forged, signingKeys: file.signingKeys };
    },
  },
  {
    name: 'a signature bit flipped',
    step: 'signature',
    apply: (file, pick) => {
      const copy = clone(file);
      copy.checkpoint.signature = b64(flip(Buffer.from(copy.checkpoint.signature, 'base64'), pick));
      return copy;
    },
  },
  {
    name: 'the timestamp moved outside the key’s validity and re-signed by the old key',
    step: 'signature',
    apply: (file) => {
      const copy = clone(file);
      const { teamId, treeSize, rootHash } = copy.checkpoint;
      copy.checkpoint = signCheckpoint(
        teamId,
        treeSize,
        rootHash,
        '2028-06-01T00:00:00.000Z',
        oldKey,
      );
      return copy;
    },
  },
];

describe('log exports, generated: the kit and the independent verifier agree', () => {
  it('accept every honest export across a key rotation', async () => {
    await fc.assert(
      fc.asyncProperty(exportArb, async (file) => {
        const { kit, independent } = await bothVerdicts(file);
        expect(kit.failure).toBeUndefined();
        expect(independent).toEqual({ ok: true });
        expect(kit.checked.join('\n')).toContain('(a pinned key)');
        // Every row's inclusion proof verifies against the signed root.
        const leaves = leavesOf(file.rows);
        const root = Buffer.from(file.checkpoint.rootHash, 'base64');
        for (let m = 0; m < leaves.length; m += 1)
          expect(
            await verifyInclusion(
              m,
              leaves.length,
              leaves[m]!,
              referenceInclusionProof(m, leaves),
              root,
            ),
          ).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it.each(ATTACKS)('reject $name, at the same step', async ({ apply, step }) => {
    await fc.assert(
      fc.asyncProperty(
        exportArb.filter((file) => file.rows.length > 1),
        fc.nat(),
        async (file, pick) => {
          const attacked = apply(file, pick);
          const { kit, independent } = await bothVerdicts(attacked);
          expect(kit.failure?.step).toBe(step);
          expect(independent).toMatchObject({ ok: false, step });
          if (kit.failure?.seq !== undefined && !independent.ok)
            expect(independent.seq).toBe(kit.failure.seq);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('without pinned keys, trusts the file’s keys and says so; a pinned key refuses a stranger’s', async () => {
    const file = exportOf(
      TEAM,
      chainRows(TEAM, fc.sample(rowContent, { numRuns: 5, seed: 7 })),
      stranger,
      T0,
    );
    const unpinned = await verifyLogExport(file);
    expect(unpinned.failure).toBeUndefined();
    expect(unpinned.checked.join('\n')).toContain('a key from the file itself');
    const { kit, independent } = await bothVerdicts(file);
    expect(kit.failure).toMatchObject({ step: 'signature' });
    expect(independent).toMatchObject({ ok: false, step: 'signature' });
  });

  it('erasing a sealed summary changes no leaf: earlier proofs still verify', async () => {
    const [content] = fc.sample(rowContent, { numRuns: 1, seed: 3 });
    const activity: ChainedActivity = {
      seq: 1,
      action: content!.action,
      subjectType: content!.subjectType,
      subjectId: content!.subjectId,
      summary: 'Ada Lovelace joined',
      summaryDigest: sha256(Buffer.from('salt\u0000Ada Lovelace joined')).toString('hex'),
      details: content!.details,
      createdAt: content!.createdAt,
      hash: '',
      team: { id: TEAM },
      actor: content!.actorId ? { id: content!.actorId } : null,
    };
    const erased = { ...activity, summary: 'A deleted user joined', actor: null };
    // The actor's id stays in the row: erasure removes the name and the salt, not the id.
    expect(canonicalActivity({ ...erased, actor: activity.actor })).toBe(
      canonicalActivity(activity),
    );
    expect(canonicalActivity(activity)).not.toContain('Ada');
  });
});

import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { decodeSigningKey } from '../src/config/checkpoint-config';
import { registerSigningKey } from '../src/db/checkpoint-keys';
import {
  CheckpointSigner,
  currentCheckpointPolicy,
  useCheckpointPolicy,
} from '../src/db/checkpoint-signer';
import { addMember, buildTeam } from './factories/team.factory';
import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import {
  consistencyProof,
  inclusionProof,
  leafHashOf,
  leafOf,
  newestCheckpoint,
  servedKeys,
  servedRows,
  signatureHolds,
  type ServedCheckpoint,
} from './support/log-checks';
import { referenceRoot, verifyConsistency, verifyInclusion } from './support/rfc9162-reference';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Generated team logs on a real server: appends by members, erasures of members' accounts, key
 * rotations and checkpoints, in any order. Afterwards every checkpoint seen, every proof between
 * the sizes it saw and every row's inclusion are checked against the RFC's own definitions
 * (test/support/rfc9162-reference.ts), and forgeries are refused.
 */

const CREATE_ITEM = `mutation ($t: ID!, $title: String!) { createItem(teamId: $t, input: { title: $title, content: {} }) { id } }`;

type Command =
  | { kind: 'append'; by: number }
  | { kind: 'erase'; who: number }
  | { kind: 'rotate' }
  | { kind: 'checkpoint' };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.nat(2).map((by) => ({ kind: 'append' as const, by })) },
  { weight: 1, arbitrary: fc.nat(1).map((who) => ({ kind: 'erase' as const, who })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rotate' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
);

// Each run signs up three people and writes a few dozen rows.
jest.setTimeout(300_000);

describe('generated logs: appends, erasures and key rotations against the RFC reference', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.stop());

  /** The deploy that rotates: a new signing key, the current one retired from now on. */
  async function rotate(): Promise<void> {
    const current = currentCheckpointPolicy();
    const signer = new CheckpointSigner(decodeSigningKey(randomBytes(32).toString('base64'))!);
    await registerSigningKey(app.app.services.dataSource, signer, [
      { keyId: current.signer.keyId, validUntil: new Date() },
    ]);
    useCheckpointPolicy({ ...current, signer });
  }

  it('roots, proofs and signatures agree with the reference for every size seen; forgeries do not verify', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 14 }), async (commands) => {
        const owner = await buildUser(app, { displayName: 'Gen Owner' });
        const team = await buildTeam(app, owner);
        const members: (TestUser | null)[] = [
          await addMember(app, team, 'MEMBER', await buildUser(app, { displayName: 'Gen Ada' })),
          await addMember(app, team, 'MEMBER', await buildUser(app, { displayName: 'Gen Bo' })),
        ];
        const seen: ServedCheckpoint[] = [await newestCheckpoint(app, team.id, owner.token)];
        for (const command of commands) {
          if (command.kind === 'append') {
            const author = command.by === 2 ? owner : (members[command.by] ?? owner);
            const made = await app.gql(CREATE_ITEM, { t: team.id, title: 'Gen' }, author.token);
            expect(made.errors).toBeUndefined();
          } else if (command.kind === 'erase') {
            const leaving = members[command.who];
            if (!leaving) continue;
            const erased = await app.gql(
              `mutation ($p: String!) { deleteAccount(password: $p) }`,
              { p: STRONG_PASSWORD },
              leaving.token,
            );
            expect(erased.errors).toBeUndefined();
            members[command.who] = null;
          } else if (command.kind === 'rotate') {
            await rotate();
          } else {
            seen.push(await newestCheckpoint(app, team.id, owner.token));
          }
        }
        seen.push(await newestCheckpoint(app, team.id, owner.token));

        const rows = await servedRows(app, team.id, owner.token);
        const leaves = rows.map(leafOf);
        const keys = await servedKeys(app);
        for (const row of rows) expect(row.leafHash).toBe(leafHashOf(row).toString('base64'));
        for (const checkpoint of seen) {
          const root = referenceRoot(leaves.slice(0, checkpoint.treeSize));
          expect(checkpoint.rootHash).toBe(root.toString('base64'));
          // Signed under a key valid at its time, even when that key was retired since.
          expect(signatureHolds(checkpoint, keys)).toBe(true);
          const forged = Buffer.from(checkpoint.signature, 'base64');
          forged[0] ^= 1;
          expect(
            signatureHolds({ ...checkpoint, signature: forged.toString('base64') }, keys),
          ).toBe(false);
        }
        // Every pair of sizes the client saw: the later tree extends the earlier one.
        const sizes = [...new Set(seen.map((c) => c.treeSize))].sort((a, b) => a - b);
        for (const [i, from] of sizes.entries()) {
          for (const to of sizes.slice(i)) {
            const proof = await consistencyProof(app, owner.token, team.id, from, to);
            const fromRoot = referenceRoot(leaves.slice(0, from));
            const toRoot = referenceRoot(leaves.slice(0, to));
            expect(verifyConsistency(from, to, fromRoot, toRoot, proof)).toBe(true);
            // A truncated or rewritten earlier tree is not a prefix.
            if (from > 1) {
              const shorter = referenceRoot(leaves.slice(0, from - 1));
              expect(verifyConsistency(from, to, shorter, toRoot, proof)).toBe(false);
            }
          }
        }
        // Every row is in the newest tree; a reordered pair is not.
        const size = rows.length;
        const root = referenceRoot(leaves);
        for (const row of rows) {
          const proof = await inclusionProof(app, owner.token, team.id, row.seq, size);
          expect(verifyInclusion(row.seq - 1, size, leafHashOf(row), proof, root)).toBe(true);
          const neighbour = rows[row.seq % size];
          if (neighbour.seq !== row.seq) {
            expect(verifyInclusion(row.seq - 1, size, leafHashOf(neighbour), proof, root)).toBe(
              false,
            );
          }
        }
      }),
      { ...fuzzSeed(9162), numRuns: fuzzRuns(6) },
    );
  });
});

import { randomBytes } from 'node:crypto';
import { addMember, buildTeam } from './factories/team.factory';
import {
  CHECKPOINT_FIELDS,
  leafOf,
  servedKeys,
  servedRows,
  signatureHolds,
  type ServedCheckpoint,
} from './support/log-checks';
import { referenceRoot } from './support/rfc9162-reference';
import { TwoInstances } from './support/two-instances';

const RENAME = `mutation ($t: ID!, $name: String!) { renameTeam(teamId: $t, name: $name) { id } }`;
const CHECKPOINT = `query ($t: ID!) { activityCheckpoint(teamId: $t) { ${CHECKPOINT_FIELDS} } }`;

// Two server processes and a few hundred requests on a shared machine.
jest.setTimeout(120_000);

describe('two instances signing with the operator key', () => {
  let two: TwoInstances;
  beforeAll(async () => {
    two = await TwoInstances.start({ CHECKPOINT_SIGNING_KEY: randomBytes(32).toString('base64') });
  });
  afterAll(() => two?.stop());

  it('never disagree: concurrent writes and on-demand checkpoints on both give one root per size, each the root of the log', async () => {
    const { a, b } = two;
    const team = await buildTeam(a);
    const member = await addMember(a, team, 'ADMIN');
    const answered: ServedCheckpoint[] = [];
    for (let round = 0; round < 12; round += 1) {
      const results = await Promise.all([
        a.gql(RENAME, { t: team.id, name: `A${round}` }, team.owner.token),
        b.gql(RENAME, { t: team.id, name: `B${round}` }, member.token),
        a.gql<{ activityCheckpoint: ServedCheckpoint }>(CHECKPOINT, { t: team.id }, member.token),
        b.gql<{ activityCheckpoint: ServedCheckpoint }>(
          CHECKPOINT,
          { t: team.id },
          team.owner.token,
        ),
        a.gql<{ activityCheckpoint: ServedCheckpoint }>(CHECKPOINT, { t: team.id }, member.token),
      ]);
      for (const result of results) expect(result.errors).toBeUndefined();
      for (const result of results.slice(2)) {
        answered.push((result.data as { activityCheckpoint: ServedCheckpoint }).activityCheckpoint);
      }
    }
    const rows = await servedRows(b, team.id, member.token);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    const leaves = rows.map(leafOf);
    const keys = await servedKeys(a);
    expect(keys).toHaveLength(1);

    const stored = await a.sql<{ tree_size: number; root_hash: string }>(
      `SELECT tree_size, root_hash FROM activity_checkpoints WHERE team_id = $1`,
      [team.id],
    );
    expect(stored.length).toBeGreaterThan(1);
    for (const checkpoint of stored) {
      const root = referenceRoot(leaves.slice(0, checkpoint.tree_size)).toString('base64');
      expect(checkpoint.root_hash).toBe(root);
    }
    // What each instance answered is the stored checkpoint of its size, signed by the one key.
    const bySize = new Map<number, ServedCheckpoint>();
    for (const checkpoint of answered) {
      expect(signatureHolds(checkpoint, keys)).toBe(true);
      expect(checkpoint.rootHash).toBe(
        referenceRoot(leaves.slice(0, checkpoint.treeSize)).toString('base64'),
      );
      const seen = bySize.get(checkpoint.treeSize);
      if (seen) expect(checkpoint).toEqual(seen);
      bySize.set(checkpoint.treeSize, checkpoint);
    }
  });
});

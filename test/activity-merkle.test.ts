import { buildInvitation } from './factories/invitation.factory';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import {
  consistencyProof,
  inclusionProof,
  leafHashOf,
  newestCheckpoint,
  servedKeys,
  servedRows,
  signatureHolds,
  CHECKPOINT_FIELDS,
  type ServedCheckpoint,
} from './support/log-checks';
import {
  referenceRoot,
  verifyConsistency,
  verifyInclusion,
  referenceLeafHash,
} from './support/rfc9162-reference';
import { leafOf } from './support/log-checks';
import { startTestApp, type TestApp } from './support/test-app';
import { connectLive, subscribe } from './support/ws-client';

const CREATE_ITEM = `mutation ($t: ID!, $title: String!) { createItem(teamId: $t, input: { title: $title, content: {} }) { id } }`;
const RENAME = `mutation ($t: ID!, $name: String!) { renameTeam(teamId: $t, name: $name) { id } }`;
const WITNESS = `mutation ($t: ID!, $n: Int!, $r: String!) {
  witnessCheckpoint(teamId: $t, treeSize: $n, rootHash: $r) { ${CHECKPOINT_FIELDS} witnesses } }`;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.stop());

async function ok<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<T> {
  const response = await app.gql<T>(query, variables, token);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

async function teamWithRows(count: number, owner?: TestUser): Promise<TestTeam> {
  const team = await buildTeam(app, owner);
  for (let i = 0; i < count; i += 1) {
    await ok(CREATE_ITEM, { t: team.id, title: `Item ${i}` }, team.owner.token);
  }
  return team;
}

const fingerprint = async (teamId: string) =>
  JSON.stringify(
    await app.sql(
      `SELECT (SELECT count(*) FROM activity_checkpoints WHERE team_id = $1) AS checkpoints,
              (SELECT count(*) FROM checkpoint_witnesses WHERE team_id = $1) AS witnesses,
              (SELECT sum(cardinality(tree_nodes)) FROM activities WHERE team_id = $1) AS nodes,
              (SELECT last_seq FROM teams WHERE id = $1) AS seq`,
      [teamId],
    ),
  );

describe("the team log's Merkle tree over the API", () => {
  it('serves leaf hashes, a signed checkpoint and proofs that verify against rows recomputed by the client', async () => {
    const team = await teamWithRows(12);
    const token = team.owner.token;
    const rows = await servedRows(app, team.id, token);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    for (const row of rows) expect(row.leafHash).toBe(leafHashOf(row).toString('base64'));

    const checkpoint = await newestCheckpoint(app, team.id, token);
    expect(checkpoint.treeSize).toBe(13);
    expect(checkpoint.teamId).toBe(team.id);
    expect(checkpoint.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const leaves = rows.map(leafOf);
    expect(checkpoint.rootHash).toBe(referenceRoot(leaves).toString('base64'));
    expect(signatureHolds(checkpoint, await servedKeys(app))).toBe(true);
    // A signature does not carry over to another size or root.
    expect(signatureHolds({ ...checkpoint, treeSize: 12 }, await servedKeys(app))).toBe(false);

    for (let size = 1; size <= rows.length; size += 1) {
      const root = referenceRoot(leaves.slice(0, size));
      for (let seq = 1; seq <= size; seq += 1) {
        const proof = await inclusionProof(app, token, team.id, seq, size);
        const leaf = referenceLeafHash(leaves[seq - 1]);
        expect(verifyInclusion(seq - 1, size, leaf, proof, root)).toBe(true);
        // The proof of one row is no proof of another.
        if (size > 1) {
          const other = referenceLeafHash(leaves[seq % size]);
          expect(verifyInclusion(seq - 1, size, other, proof, root)).toBe(false);
        }
      }
      for (let from = 1; from <= size; from += 1) {
        const proof = await consistencyProof(app, token, team.id, from, size);
        const oldRoot = referenceRoot(leaves.slice(0, from));
        expect(verifyConsistency(from, size, oldRoot, root, proof)).toBe(true);
      }
    }
  });

  it('answers bad sizes with BAD_USER_INPUT naming the argument', async () => {
    const team = await teamWithRows(2);
    const token = team.owner.token;
    const cases: [string, Record<string, unknown>, string][] = [
      [`activityInclusionProof(teamId: $t, seq: 0, treeSize: 2)`, {}, 'seq'],
      [`activityInclusionProof(teamId: $t, seq: 3, treeSize: 2)`, {}, 'seq'],
      [`activityInclusionProof(teamId: $t, seq: 1, treeSize: 4)`, {}, 'treeSize'],
      [`activityInclusionProof(teamId: $t, seq: 1, treeSize: -1)`, {}, 'treeSize'],
      [`activityConsistencyProof(teamId: $t, fromSize: 0, toSize: 2)`, {}, 'fromSize'],
      [`activityConsistencyProof(teamId: $t, fromSize: 3, toSize: 2)`, {}, 'fromSize'],
      [`activityConsistencyProof(teamId: $t, fromSize: 1, toSize: 2147483647)`, {}, 'toSize'],
    ];
    for (const [field, variables, name] of cases) {
      const response = await app.gql(
        `query ($t: ID!) { ${field} }`,
        { t: team.id, ...variables },
        token,
      );
      expect(response.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: name,
      });
    }
  });

  it('signs a checkpoint on the first row and then every 100 rows while the interval has not passed', async () => {
    const team = await buildTeam(app);
    for (let i = 0; i < 120; i += 1) {
      await ok(RENAME, { t: team.id, name: `Name ${i}` }, team.owner.token);
    }
    const stored = await app.sql<{ tree_size: number; signed_at: Date }>(
      `SELECT tree_size, signed_at FROM activity_checkpoints WHERE team_id = $1 ORDER BY tree_size`,
      [team.id],
    );
    expect(stored[0].tree_size).toBe(1);
    // Every gap between checkpoints is at most 100 rows, and a shorter one only after 10 s.
    for (let i = 1; i < stored.length; i += 1) {
      const rows = stored[i].tree_size - stored[i - 1].tree_size;
      const ms = stored[i].signed_at.getTime() - stored[i - 1].signed_at.getTime();
      expect(rows).toBeLessThanOrEqual(100);
      if (rows < 100) expect(ms).toBeGreaterThanOrEqual(10_000);
    }
    expect(stored.some((c) => c.tree_size === 101) || stored.length > 2).toBe(true);
  });

  it('counts distinct witnesses, and answers a report that disagrees with CONFLICT holding both checkpoints', async () => {
    const team = await teamWithRows(3);
    const member = await addMember(app, team, 'MEMBER');
    const checkpoint = await newestCheckpoint(app, team.id, team.owner.token);
    const report = { t: team.id, n: checkpoint.treeSize, r: checkpoint.rootHash };
    const first = await ok<{ witnessCheckpoint: ServedCheckpoint & { witnesses: number } }>(
      WITNESS,
      report,
      team.owner.token,
    );
    expect(first.witnessCheckpoint).toEqual({ ...checkpoint, witnesses: 1 });
    await ok(WITNESS, report, team.owner.token);
    const second = await ok<{ witnessCheckpoint: { witnesses: number } }>(
      WITNESS,
      report,
      member.token,
    );
    expect(second.witnessCheckpoint.witnesses).toBe(2);

    // A forked view: another root for a size the server signed.
    const before = await fingerprint(team.id);
    const forged = Buffer.alloc(32, 7).toString('base64');
    const fork = await app.gql(WITNESS, { ...report, r: forged }, member.token);
    expect(fork.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const extensions = fork.errors![0].extensions as {
      signed: ServedCheckpoint;
      reported: { treeSize: number; rootHash: string };
    };
    expect(extensions.reported).toEqual({ treeSize: checkpoint.treeSize, rootHash: forged });
    expect(extensions.signed).toEqual(checkpoint);
    expect(signatureHolds(extensions.signed, await servedKeys(app))).toBe(true);
    expect(await fingerprint(team.id)).toBe(before);

    // An older size the server never signed on its own: signed now, and compared all the same.
    const rows = await servedRows(app, team.id, member.token);
    const oldRoot = referenceRoot(rows.slice(0, 2).map(leafOf)).toString('base64');
    const old = await ok<{ witnessCheckpoint: ServedCheckpoint & { witnesses: number } }>(
      WITNESS,
      { t: team.id, n: 2, r: oldRoot },
      member.token,
    );
    expect(old.witnessCheckpoint).toMatchObject({ treeSize: 2, rootHash: oldRoot, witnesses: 1 });
    expect(signatureHolds(old.witnessCheckpoint, await servedKeys(app))).toBe(true);

    // Malformed reports change nothing.
    const unchanged = await fingerprint(team.id);
    for (const [variables, field] of [
      [{ ...report, r: 'not base64!' }, 'rootHash'],
      [{ ...report, r: Buffer.alloc(31).toString('base64') }, 'rootHash'],
      [{ ...report, n: 0 }, 'treeSize'],
      [{ ...report, n: 99 }, 'treeSize'],
    ] as const) {
      const response = await app.gql(WITNESS, variables, member.token);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await fingerprint(team.id)).toBe(unchanged);
  });

  it('keeps earlier checkpoints and proofs valid when a member erases their account', async () => {
    const owner = await buildUser(app, { displayName: 'Olive Owner' });
    const team = await buildTeam(app, owner);
    const leaving = await addMember(
      app,
      team,
      'MEMBER',
      await buildUser(app, { displayName: 'Zed Leaving' }),
    );
    for (let i = 0; i < 5; i += 1) {
      await ok(CREATE_ITEM, { t: team.id, title: `Note ${i}` }, leaving.token);
    }
    const before = await servedRows(app, team.id, owner.token);
    expect(before.some((r) => r.summary.includes('Zed Leaving'))).toBe(true);
    const checkpoint = await newestCheckpoint(app, team.id, owner.token);

    await ok(
      `mutation ($p: String!) { deleteAccount(password: $p) }`,
      { p: STRONG_PASSWORD },
      leaving.token,
    );

    const after = await servedRows(app, team.id, owner.token);
    const earlier = after.slice(0, checkpoint.treeSize);
    // The name is gone from the rows, and from the stored salts that could confirm a guess.
    expect(after.some((r) => r.summary.includes('Zed Leaving'))).toBe(false);
    const named = before.filter((r) => r.summary.includes('Zed Leaving')).map((r) => r.seq);
    const salts = await app.sql<{ salted: number }>(
      `SELECT count(*)::int AS salted FROM activities
        WHERE team_id = $1 AND seq = ANY($2::int[]) AND summary_salt IS NOT NULL`,
      [team.id, named],
    );
    expect(salts[0].salted).toBe(0);
    // The leaves are unchanged: the earlier checkpoint still verifies over the erased rows.
    expect(earlier.map((r) => r.leafHash)).toEqual(before.map((r) => r.leafHash));
    const root = referenceRoot(earlier.map(leafOf));
    expect(root.toString('base64')).toBe(checkpoint.rootHash);
    expect(signatureHolds(checkpoint, await servedKeys(app))).toBe(true);
    for (const row of earlier) {
      const proof = await inclusionProof(app, owner.token, team.id, row.seq, checkpoint.treeSize);
      expect(verifyInclusion(row.seq - 1, checkpoint.treeSize, leafHashOf(row), proof, root)).toBe(
        true,
      );
    }
    const newest = await newestCheckpoint(app, team.id, owner.token);
    expect(newest.treeSize).toBe(after.length);
    const proof = await consistencyProof(
      app,
      owner.token,
      team.id,
      checkpoint.treeSize,
      newest.treeSize,
    );
    expect(
      verifyConsistency(
        checkpoint.treeSize,
        newest.treeSize,
        root,
        referenceRoot(after.map(leafOf)),
        proof,
      ),
    ).toBe(true);
  });
});

describe('what a leaf can hold', () => {
  it("holds no person's name or address: every row about people seals its summary and keeps ids and roles in details", async () => {
    const owner = await buildUser(app, { displayName: 'Quentin Private' });
    const team = await buildTeam(app, owner, 'Leaf audit');
    const invitee = await buildUser(app, { displayName: 'Rosalind Private' });
    const declined = await buildUser(app, { displayName: 'Sylvester Private' });
    const people = [owner, invitee, declined];
    const run = async (query: string, variables: Record<string, unknown>, token: string) =>
      ok(query, variables, token);
    const invited = await buildInvitation(app, team, { email: invitee.email, role: 'MEMBER' });
    await run(
      `mutation ($t: String!) { acceptInvitation(token: $t) { role } }`,
      { t: invited.token },
      invitee.token,
    );
    const refused = await buildInvitation(app, team, { email: declined.email });
    await run(
      `mutation ($t: String!) { declineInvitation(token: $t) }`,
      { t: refused.token },
      declined.token,
    );
    const resent = await buildInvitation(app, team);
    await run(
      `mutation ($id: ID!) { resendInvitation(id: $id) { token } }`,
      { id: resent.id },
      owner.token,
    );
    await run(
      `mutation ($id: ID!) { revokeInvitation(id: $id) { id } }`,
      { id: resent.id },
      owner.token,
    );
    await run(
      `mutation ($t: ID!, $u: ID!) { changeMemberRole(teamId: $t, userId: $u, role: ADMIN) { role } }`,
      { t: team.id, u: invitee.id },
      owner.token,
    );
    await run(
      `mutation ($t: ID!, $u: ID!) { transferOwnership(teamId: $t, userId: $u) { id } }`,
      { t: team.id, u: invitee.id },
      owner.token,
    );
    await run(RENAME, { t: team.id, name: 'Leaf audit 2' }, invitee.token);
    const item = (await run(CREATE_ITEM, { t: team.id, title: 'Plain' }, owner.token)) as {
      createItem: { id: string };
    };
    await run(
      `mutation ($id: ID!) { updateItem(id: $id, input: { title: "Plainer" }) { version } }`,
      { id: item.createItem.id },
      owner.token,
    );
    await run(
      `mutation ($id: ID!) { deleteItem(id: $id) }`,
      { id: item.createItem.id },
      invitee.token,
    );
    await run(`mutation ($t: ID!) { leaveTeam(teamId: $t) }`, { t: team.id }, owner.token);

    const rows = await servedRows(app, team.id, invitee.token);
    expect(new Set(rows.map((r) => r.action)).size).toBeGreaterThanOrEqual(12);
    for (const row of rows) {
      // The summary names people, so the leaf seals its salted digest instead.
      expect(row.summaryDigest).toMatch(/^[0-9a-f]{64}$/);
      const leaf = leafOf(row).toString('utf8');
      for (const person of people) {
        expect(leaf).not.toContain(person.displayName);
        expect(leaf.toLowerCase()).not.toContain(person.email.toLowerCase());
      }
    }
  });
});

describe('checkpoints on replayed rows', () => {
  it('a feed that replays stored rows hands each one the checkpoint stored at its size', async () => {
    const team = await teamWithRows(3);
    // Signed on demand at size 4; the write-made one is at size 1.
    const newest = await newestCheckpoint(app, team.id, team.owner.token);
    expect(newest.treeSize).toBe(4);
    const client = await connectLive(app, team.owner.token);
    try {
      const feed = subscribe(
        client,
        `subscription ($teamId: ID!) { teamActivity(teamId: $teamId, afterSeq: 0) {
          seq checkpoint { ${CHECKPOINT_FIELDS} } } }`,
        { teamId: team.id },
      );
      type Replayed = { seq: number; checkpoint: ServedCheckpoint | null };
      await feed.untilValue<Replayed>('teamActivity', (row) => row.seq === 4, 'seq 4');
      const rows = feed.values<Replayed>('teamActivity');
      expect(rows.map((r) => [r.seq, r.checkpoint?.treeSize ?? null])).toEqual([
        [1, 1],
        [2, null],
        [3, null],
        [4, 4],
      ]);
      expect(rows[3].checkpoint).toEqual(newest);
    } finally {
      await client.dispose();
    }
  });
});

describe('checkpoints on the live feed, at most every CHECKPOINT_INTERVAL', () => {
  let quick: TestApp;
  beforeAll(async () => {
    quick = await startTestApp({ CHECKPOINT_INTERVAL: '150ms' });
  });
  afterAll(() => quick?.stop());

  it('stamps a live row with the checkpoint its write signed once the interval has passed, and no other', async () => {
    const team = await buildTeam(quick);
    const client = await connectLive(quick, team.owner.token);
    try {
      const feed = subscribe(
        client,
        `subscription ($teamId: ID!) { teamActivity(teamId: $teamId) {
          seq createdAt checkpoint { ${CHECKPOINT_FIELDS} } } }`,
        { teamId: team.id },
      );
      type Live = { seq: number; createdAt: string; checkpoint: ServedCheckpoint | null };
      const stamped = () =>
        feed.values<Live>('teamActivity').filter((row) => row.checkpoint !== null);
      // Each write is the signal: keep writing until three rows carried a checkpoint.
      let name = 0;
      while (stamped().length < 3) {
        const seq = (
          await quick.sql<{ last_seq: number }>('SELECT last_seq FROM teams WHERE id = $1', [
            team.id,
          ])
        )[0].last_seq;
        const response = await quick.gql(
          RENAME,
          { t: team.id, name: `N${(name += 1)}` },
          team.owner.token,
        );
        expect(response.errors).toBeUndefined();
        await feed.untilValue<Live>('teamActivity', (row) => row.seq === seq + 1, `seq ${seq + 1}`);
      }
      const keys = await servedKeys(quick);
      let last: number | null = null;
      for (const row of feed.values<Live>('teamActivity')) {
        const at = Date.parse(row.createdAt);
        if (row.checkpoint) {
          expect(row.checkpoint.treeSize).toBe(row.seq);
          expect(signatureHolds(row.checkpoint, keys)).toBe(true);
          if (last !== null) expect(at - last).toBeGreaterThanOrEqual(150);
          last = at;
        } else if (last !== null) {
          expect(at - last).toBeLessThan(150);
        }
      }
    } finally {
      await client.dispose();
    }
  });
});

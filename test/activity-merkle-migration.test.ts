import { randomBytes, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { DataSource } from 'typeorm';
import { migrations } from '../ormconfig';
import { hashToken } from '../src/auth/token';
import { computeActivityHash, summaryDigest } from '../src/db/activity-hash';
import { dataSourceAt } from './support/migration-history';
import { newestCheckpoint, servedKeys, signatureHolds } from './support/log-checks';
import { referenceRoot } from './support/rfc9162-reference';
import { createScratchDatabase } from './support/scratch-database';
import { startTestApp, type TestApp } from './support/test-app';

const BEFORE = migrations.findIndex((m) => m.name === 'ActivityMerkleTree1765700000000');

/** The leaf of a stored row, from the contract (RFC 8785 JSON of its nine members). */
const leafOf = (row: {
  team_id: string;
  seq: number;
  actor_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  summary: string;
  summary_digest: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}) =>
  Buffer.from(
    canonicalize({
      teamId: row.team_id,
      seq: row.seq,
      actorId: row.actor_id,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      ...(row.summary_digest ? { summaryDigest: row.summary_digest } : { summary: row.summary }),
      details: row.details,
      createdAt: row.created_at.toISOString(),
    }) ?? '',
    'utf8',
  );

/** A team whose `count` rows were written before the tree existed, chained as they were then. */
async function teamBeforeTheTree(db: DataSource, count: number) {
  const [{ team_id: teamId, user_id: userId }] = await db.query(
    `WITH t AS (INSERT INTO teams (name) VALUES ('Before') RETURNING id),
          u AS (INSERT INTO users (email, display_name, password_hash)
                VALUES ($1, 'Early Bird', 'x') RETURNING id)
     INSERT INTO memberships (team_id, user_id, role)
     SELECT t.id, u.id, 'OWNER' FROM t, u
     RETURNING team_id, user_id`,
    [`early-${randomUUID()}@example.com`],
  );
  let previous = '';
  const columns: unknown[][] = [[], [], [], [], [], [], []];
  for (let seq = 1; seq <= count; seq += 1) {
    const salt = randomBytes(16).toString('hex');
    const summary = `Early Bird renamed the team (${seq})`;
    const row = {
      teamId,
      seq,
      actorId: userId,
      action: 'TEAM_RENAMED',
      subjectType: 'Team',
      subjectId: teamId,
      summary,
      summaryDigest: summaryDigest(salt, summary),
      details: { seq, name: `Name ${seq}` },
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)),
    };
    previous = computeActivityHash(previous, row);
    [
      seq,
      summary,
      salt,
      row.summaryDigest,
      JSON.stringify(row.details),
      row.createdAt,
      previous,
    ].forEach((value, i) => columns[i].push(value));
  }
  await db.query(
    `INSERT INTO activities (team_id, seq, actor_id, action, subject_type, subject_id, summary,
                             summary_salt, summary_digest, details, created_at, hash)
     SELECT $1, r.seq, $2, 'TEAM_RENAMED', 'Team', $1, r.summary, r.salt, r.digest, r.details::jsonb, r.at, r.hash
       FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[])
         AS r(seq, summary, salt, digest, details, at, hash)`,
    [teamId, userId, ...columns],
  );
  await db.query(`UPDATE teams SET last_seq = $2, last_hash = $3 WHERE id = $1`, [
    teamId,
    count,
    previous,
  ]);
  return { teamId, userId };
}

describe('the Merkle tree migration', () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let app: TestApp | undefined;
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
  });

  it('makes every stored row a leaf in seq order, in batches, without rewriting a row; the tree then grows from there', async () => {
    database = await createScratchDatabase();
    const before = dataSourceAt(database.url, BEFORE);
    await before.initialize();
    await before.runMigrations();
    // Over two batches of 1000, and a size whose binary form has many bits.
    const big = await teamBeforeTheTree(before, 2345);
    const small = await teamBeforeTheTree(before, 1);
    const rowsBefore = await before.query(`SELECT * FROM activities ORDER BY team_id, seq`);
    await before.destroy();

    const after = dataSourceAt(database.url, migrations.length);
    await after.initialize();
    try {
      await after.runMigrations();
      // Every column a row had is as it was; the tree's hashes come as a new one.
      const rowsAfter: Record<string, unknown>[] = await after.query(
        `SELECT * FROM activities ORDER BY team_id, seq`,
      );
      expect(rowsAfter.map(({ tree_nodes: _added, ...kept }) => kept)).toEqual(rowsBefore);
      for (const { teamId } of [big, small]) {
        const rows = await after.query(`SELECT * FROM activities WHERE team_id = $1 ORDER BY seq`, [
          teamId,
        ]);
        const leaves = rows.map(leafOf);
        // The whole tree: every complete subtree, each leaf at index seq - 1.
        // Element L of a row's tree_nodes: the subtree of level L its append completed.
        const nodes: { level: number; node_index: string; hash: Buffer }[] = await after.query(
          `SELECT (n.ord - 1)::int AS level, (a.seq >> (n.ord - 1)::int) - 1 AS node_index, n.hash
             FROM activities a CROSS JOIN LATERAL unnest(a.tree_nodes) WITH ORDINALITY AS n(hash, ord)
            WHERE a.team_id = $1`,
          [teamId],
        );
        const expectedCount = Array.from({ length: 12 }, (_, level) =>
          Math.floor(rows.length / 2 ** level),
        ).reduce((a, b) => a + b, 0);
        expect(nodes.length).toBe(expectedCount);
        for (const node of nodes.filter((n) => n.level > 0 && n.level <= 3)) {
          const width = 2 ** node.level;
          const start = Number(node.node_index) * width;
          expect(node.hash.equals(referenceRoot(leaves.slice(start, start + width)))).toBe(true);
        }
      }
    } finally {
      await after.destroy();
    }

    // A server on the migrated database appends to the tree and signs its root.
    app = await startTestApp({}, { databaseUrl: database.url } as TestApp);
    const [owner] = await app.sql<{ id: string }>(
      `SELECT user_id AS id FROM memberships WHERE team_id = $1`,
      [big.teamId],
    );
    expect(owner.id).toBe(big.userId);
    const token = randomBytes(32).toString('hex');
    await app.sql(
      `INSERT INTO sessions (user_id, token_hash, expires_at)
       VALUES ($1, $2, now() + interval '1 hour')`,
      [big.userId, hashToken(token)],
    );
    const renamed = await app.gql(
      `mutation ($t: ID!) { renameTeam(teamId: $t, name: "After") { id } }`,
      { t: big.teamId },
      token,
    );
    expect(renamed.errors).toBeUndefined();
    const checkpoint = await newestCheckpoint(app, big.teamId, token);
    expect(checkpoint.treeSize).toBe(2346);
    const all = await app.sql(`SELECT * FROM activities WHERE team_id = $1 ORDER BY seq`, [
      big.teamId,
    ]);
    expect(checkpoint.rootHash).toBe(referenceRoot(all.map(leafOf as never)).toString('base64'));
    expect(signatureHolds(checkpoint, await servedKeys(app))).toBe(true);
  });
});

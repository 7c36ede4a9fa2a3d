import { MigrationInterface, QueryRunner } from 'typeorm';
import { activityLeafHash, type HashedActivityFields } from '../db/activity-hash';
import { appendLeaf, seqCompleting, type Frontier, type StoredSubtree } from '../util/rfc9162';

/** Rows read, hashed and written per statement while the existing logs become trees. */
const BATCH_ROWS = 1000;

/**
 * Each team's activity becomes the leaf sequence of a Merkle tree (RFC 9162), kept beside the
 * hash chain:
 * - each activity row holds, in tree_nodes, the hashes of the complete subtrees its append
 *   completed (element L: the one of level L, element 0 the leaf), written with the row, so an
 *   append writes no other row and a proof reads O(log n) rows through the (team_id, seq) index;
 * - teams gain the tree's right edge (tree_frontier), so an append reads nothing, and the size
 *   and time of their newest checkpoint made by a write;
 * - checkpoint_signing_keys lists every key that ever signed, with its validity;
 * - activity_checkpoints holds the signed roots, checkpoint_witnesses who vouched for them.
 * Existing rows become leaves as they are stored, in seq order and in bounded batches: nothing
 * of their history is rewritten.
 */
export class ActivityMerkleTree1765700000000 implements MigrationInterface {
  name = 'ActivityMerkleTree1765700000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE teams
        ADD COLUMN tree_frontier bytea[] NOT NULL DEFAULT '{}',
        ADD COLUMN checkpoint_size integer NOT NULL DEFAULT 0,
        ADD COLUMN checkpoint_at timestamptz`);
    // A constant default: no table rewrite; the rows are filled in below.
    await q.query(`ALTER TABLE activities ADD COLUMN tree_nodes bytea[] NOT NULL DEFAULT '{}'`);
    await q.query(`
      CREATE TABLE checkpoint_signing_keys (
        key_id text PRIMARY KEY,
        public_key text NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_until timestamptz
      )`);
    await q.query(`
      CREATE TABLE activity_checkpoints (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        tree_size integer NOT NULL CHECK (tree_size >= 1),
        root_hash text NOT NULL,
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        signature text NOT NULL,
        PRIMARY KEY (team_id, tree_size)
      )`);
    await q.query(`
      CREATE TABLE checkpoint_witnesses (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        tree_size integer NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        witnessed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, tree_size, user_id),
        FOREIGN KEY (team_id, tree_size)
          REFERENCES activity_checkpoints (team_id, tree_size) ON DELETE CASCADE
      )`);
    const teams: { id: string }[] = await q.query(
      `SELECT id FROM teams WHERE last_seq > 0 ORDER BY id`,
    );
    for (const team of teams) await this.buildTree(q, team.id);
  }

  /** Appends the team's stored rows, oldest first, BATCH_ROWS at a time. */
  private async buildTree(q: QueryRunner, teamId: string): Promise<void> {
    let frontier: Frontier = [];
    let size = 0;
    for (;;) {
      const rows: StoredRow[] = await q.query(
        `SELECT team_id, seq, actor_id, action, subject_type, subject_id, summary, summary_digest,
                details, created_at
           FROM activities WHERE team_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [teamId, size, BATCH_ROWS],
      );
      if (!rows.length) break;
      const completed: StoredSubtree[] = [];
      for (const row of rows) {
        // Leaf index = seq - 1: a missing seq would shift every later leaf.
        if (row.seq !== size + 1) {
          throw new Error(`team ${teamId}: activity seq ${size + 1} is missing; repair the log`);
        }
        const appended = appendLeaf(frontier, size, activityLeafHash(toFields(row)));
        frontier = appended.frontier;
        completed.push(...appended.completed);
        size += 1;
      }
      // Each row gets the subtrees its append completed, in level order; nothing hashed changes.
      await q.query(
        `UPDATE activities a SET tree_nodes = n.nodes
           FROM (SELECT u.seq, array_agg(u.hash ORDER BY u.level) AS nodes
                   FROM unnest($2::int[], $3::smallint[], $4::bytea[]) AS u(seq, level, hash)
                  GROUP BY u.seq) n
          WHERE a.team_id = $1 AND a.seq = n.seq`,
        [
          teamId,
          completed.map((s) => seqCompleting(s)),
          completed.map((s) => s.level),
          completed.map((s) => s.hash),
        ],
      );
    }
    await q.query(`UPDATE teams SET tree_frontier = $2::bytea[] WHERE id = $1`, [teamId, frontier]);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS checkpoint_witnesses`);
    await q.query(`DROP TABLE IF EXISTS activity_checkpoints`);
    await q.query(`DROP TABLE IF EXISTS checkpoint_signing_keys`);
    await q.query(`ALTER TABLE activities DROP COLUMN IF EXISTS tree_nodes`);
    await q.query(`
      ALTER TABLE teams
        DROP COLUMN tree_frontier,
        DROP COLUMN checkpoint_size,
        DROP COLUMN checkpoint_at`);
  }
}

interface StoredRow {
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
}

const toFields = (row: StoredRow): HashedActivityFields => ({
  teamId: row.team_id,
  seq: row.seq,
  actorId: row.actor_id,
  action: row.action,
  subjectType: row.subject_type,
  subjectId: row.subject_id,
  summary: row.summary,
  summaryDigest: row.summary_digest,
  details: row.details,
  createdAt: row.created_at,
});

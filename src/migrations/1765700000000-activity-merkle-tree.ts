import { MigrationInterface, QueryRunner } from 'typeorm';
import { activityLeafHash, type HashedActivityFields } from '../db/activity-hash';
import { appendLeaf, type Frontier, type StoredSubtree } from '../util/rfc9162';

/** Rows read, hashed and written per statement while the existing logs become trees. */
const BATCH_ROWS = 1000;

/**
 * Each team's activity becomes the leaf sequence of a Merkle tree (RFC 9162), kept beside the
 * hash chain:
 * - activity_tree_nodes holds the hash of every complete subtree (team, level, index), written
 *   once as the rows are appended, so proofs read O(log n) rows;
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
    await q.query(`
      CREATE TABLE activity_tree_nodes (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        level smallint NOT NULL CHECK (level >= 0),
        node_index bigint NOT NULL CHECK (node_index >= 0),
        hash bytea NOT NULL,
        PRIMARY KEY (team_id, level, node_index)
      )`);
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
      await q.query(
        `INSERT INTO activity_tree_nodes (team_id, level, node_index, hash)
         SELECT $1, n.level, n.node_index, n.hash
           FROM unnest($2::smallint[], $3::bigint[], $4::bytea[]) AS n(level, node_index, hash)`,
        [
          teamId,
          completed.map((s) => s.level),
          completed.map((s) => s.index),
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
    await q.query(`DROP TABLE IF EXISTS activity_tree_nodes`);
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

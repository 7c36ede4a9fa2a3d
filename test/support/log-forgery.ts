import { computeActivityHash, activityLeafHash } from '../../src/db/activity-hash';
import { appendLeaf, type Frontier } from '../../src/util/rfc9162';

/**
 * What an operator with the database could do to a team's log behind the server's back: change
 * or drop rows, then re-hash the chain and rebuild the Merkle tree so the server serves the new
 * history as if it were the only one. The attack tests use it, and suites that alter a row to
 * see it reported use it to put the log back.
 */
type Sql = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

interface StoredRow {
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

export interface Rewrite {
  /** Changes a row in place (its seq stays). */
  edit?: (row: StoredRow) => void;
  /** Keeps only the first `keep` rows. */
  keep?: number;
  /** Keep the checkpoints already signed (a careless forger); default: delete those it contradicts. */
  keepCheckpoints?: boolean;
}

export async function rewriteTeamLog(sql: Sql, teamId: string, rewrite: Rewrite): Promise<void> {
  const rows = await sql<StoredRow>(
    `SELECT seq, actor_id, action, subject_type, subject_id, summary, summary_digest, details, created_at
       FROM activities WHERE team_id = $1 ORDER BY seq`,
    [teamId],
  );
  const kept = rows.slice(0, rewrite.keep ?? rows.length);
  let previous = '';
  let frontier: Frontier = [];
  for (const [index, row] of kept.entries()) {
    rewrite.edit?.(row);
    const fields = {
      teamId,
      seq: row.seq,
      actorId: row.actor_id,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      summary: row.summary,
      summaryDigest: row.summary_digest,
      details: row.details,
      createdAt: row.created_at,
    };
    previous = computeActivityHash(previous, fields);
    const appended = appendLeaf(frontier, index, activityLeafHash(fields));
    frontier = appended.frontier;
    // The row carries the nodes its append completed, in level order (0: the leaf).
    await sql(
      `UPDATE activities SET action = $3, summary = $4, details = $5::jsonb, hash = $6,
              tree_nodes = $7::bytea[]
        WHERE team_id = $1 AND seq = $2`,
      [
        teamId,
        row.seq,
        row.action,
        row.summary,
        JSON.stringify(row.details),
        previous,
        appended.completed.map((node) => node.hash),
      ],
    );
  }
  await sql(`DELETE FROM activities WHERE team_id = $1 AND seq > $2`, [teamId, kept.length]);
  if (!rewrite.keepCheckpoints)
    await sql(`DELETE FROM activity_checkpoints WHERE team_id = $1`, [teamId]);
  await sql(
    `UPDATE teams SET tree_frontier = $2::bytea[], last_seq = $3, last_hash = $4,
            checkpoint_size = 0, checkpoint_at = NULL
      WHERE id = $1`,
    [teamId, frontier, kept.length, previous],
  );
}

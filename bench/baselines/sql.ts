/**
 * The SQL the baselines share: their pool, one transaction, the bearer-token session read, the
 * team row lock and the activity row with the team's new head. What each baseline computes
 * (its hash, its summary, its checks) stays in the baseline.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import type { Activity } from '../../entities/activity.entity';

/** The pool of a baseline process, sized like teamgraph's (DB_POOL_SIZE, default 10). */
export function poolFromEnv(): Pool {
  return new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DB_POOL_SIZE ?? 10),
  });
}

/** Runs `work` in one transaction on one connection: committed when it returns, else rolled back. */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

export interface SessionUser {
  id: string;
  display_name: string;
}

/** The user of a live session named by an `Authorization: Bearer …` value, or null. */
export async function sessionUser(pool: Pool, authorization: unknown): Promise<SessionUser | null> {
  const token = /^Bearer\s+(\S+)$/i.exec(
    typeof authorization === 'string' ? authorization : '',
  )?.[1];
  if (!token) return null;
  const { rows } = await pool.query<SessionUser>(
    `SELECT u.id, u.display_name FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
    [createHash('sha256').update(token).digest('hex')],
  );
  return rows[0] ?? null;
}

export interface LockedTeam {
  id: string;
  last_seq: number;
  last_hash: string;
}

/** Locks the team that holds item `itemId` (FOR UPDATE) and reads its activity head; undefined when no such item. */
export async function lockTeamOfItem(
  client: PoolClient,
  itemId: unknown,
): Promise<LockedTeam | undefined> {
  const { rows } = await client.query<LockedTeam>(
    `SELECT t.id, t.last_seq, t.last_hash FROM teams t JOIN items i ON i.team_id = t.id
      WHERE i.id = $1 FOR UPDATE OF t`,
    [itemId],
  );
  return rows[0];
}

/**
 * An activity row as the baselines write it: the entity's columns, with the actor always set
 * and the action and subject type as the plain text the baselines send.
 */
export type ActivityRow = Pick<
  Activity,
  'teamId' | 'seq' | 'subjectId' | 'summary' | 'details' | 'createdAt' | 'hash'
> & { actorId: string; action: string; subjectType: string };

/** Inserts the activity row and moves the team's head to it: two statements. */
export async function appendActivity(client: PoolClient, row: ActivityRow): Promise<void> {
  await client.query(
    `INSERT INTO activities (id, team_id, seq, actor_id, action, subject_type, subject_id, summary, details, created_at, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      randomUUID(),
      row.teamId,
      row.seq,
      row.actorId,
      row.action,
      row.subjectType,
      row.subjectId,
      row.summary,
      row.details,
      row.createdAt,
      row.hash,
    ],
  );
  await client.query('UPDATE teams SET last_seq = $2, last_hash = $3 WHERE id = $1', [
    row.teamId,
    row.seq,
    row.hash,
  ]);
}

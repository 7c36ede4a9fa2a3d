import { In, type DataSource } from 'typeorm';
import { Team } from '../../entities/team.entity';
import { prepared, query } from '../db/prepared';
import { SharedBatch } from '../loaders/shared-batch';
import type { MaybeRole } from '../teams/team-policy';
import { HELD_FOR_TWO_FACTOR_SQL } from '../teams/two-factor-hold';

/** What a subscriber may still receive: its session is live, and its role in the team. */
export interface LiveAccess {
  sessionActive: boolean;
  role: MaybeRole;
}

/** The member's role, or null while the team's two-factor requirement holds them out. */
const ROLE_UNLESS_HELD = `CASE WHEN ${HELD_FOR_TWO_FACTOR_SQL} THEN NULL ELSE m.role END`;

/** One subscriber to check: its session and user, in one team. */
export interface AccessCheck {
  teamId: string;
  userId: string;
  sessionId: string;
}

/** Sessions still live (run for sockets that connect: prepared, planned once). */
const ACTIVE_SESSIONS = prepared(
  'active_sessions',
  `SELECT id FROM sessions
    WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL AND expires_at > now()`,
);

/** Key of one access check in the shared batch. */
export const accessKey = (teamId: string, userId: string, sessionId: string): string =>
  `${teamId}:${userId}:${sessionId}`;

const ids = (checks: AccessCheck[], field: keyof AccessCheck) =>
  checks.map((check) => check[field]).join(',');

/**
 * Session validity and role of every check, in one statement. The answer is grouped by
 * outcome — a role and whether the session is live, with the positions of the checks that
 * share it — so 10,000 subscribers of one team come back as a row or two, not 10,000.
 * Ids travel as comma-joined text (they are uuids we issued), cheaper to send than arrays.
 */
export async function accessOf(
  dataSource: DataSource,
  checks: AccessCheck[],
): Promise<LiveAccess[]> {
  const accesses: LiveAccess[] = checks.map(() => ({ sessionActive: false, role: null }));
  if (!checks.length) return accesses;
  const rows = await dataSource.query<
    { role: MaybeRole; session_active: boolean; positions: string }[]
  >(
    `SELECT ${ROLE_UNLESS_HELD} AS role, (s.id IS NOT NULL) AS session_active,
            string_agg(k.n::text, ',') AS positions
       FROM unnest(string_to_array($1, ',')::uuid[], string_to_array($2, ',')::uuid[],
                   string_to_array($3, ',')::uuid[])
            WITH ORDINALITY AS k(team_id, user_id, session_id, n)
       LEFT JOIN sessions s ON s.id = k.session_id AND s.user_id = k.user_id
                           AND s.revoked_at IS NULL AND s.expires_at > now()
       LEFT JOIN memberships m ON m.team_id = k.team_id AND m.user_id = k.user_id
       LEFT JOIN teams t ON t.id = k.team_id
       LEFT JOIN users u ON u.id = k.user_id
      GROUP BY 1, 2`,
    [ids(checks, 'teamId'), ids(checks, 'userId'), ids(checks, 'sessionId')],
  );
  for (const row of rows) {
    const access: LiveAccess = { sessionActive: row.session_active, role: row.role ?? null };
    for (const position of row.positions.split(',')) accesses[Number(position) - 1] = access;
  }
  return accesses;
}

/**
 * The reads every live delivery needs, gathered across all feeds and audiences of this process
 * by the one batching mechanism (SharedBatch): an event reaches every subscriber in the same
 * turn of the event loop, so 1,000 subscribers cost one access statement, one team read and
 * one actor read (the actor through the request loaders' shared user batch). Nothing is
 * cached: every batch is a fresh read issued after the event arrived.
 */
export class LiveReads {
  /** Session validity and membership, checked together in one statement (see accessOf). */
  readonly access: SharedBatch<LiveAccess>;
  readonly teams: SharedBatch<Team>;
  /** Sessions that are live (not revoked, not expired), keyed by session id. */
  readonly liveSessions: SharedBatch<true>;

  constructor(dataSource: DataSource) {
    this.access = new SharedBatch(async (keys) => {
      const checks = keys.map((key) => {
        const [teamId, userId, sessionId] = key.split(':');
        return { teamId, userId, sessionId };
      });
      const found = await accessOf(dataSource, checks);
      return new Map(keys.map((key, i) => [key, found[i]]));
    });
    this.liveSessions = new SharedBatch(async (ids) => {
      const active = await activeSessions(dataSource, ids);
      return new Map([...active].map((id) => [id, true as const]));
    });
    this.teams = new SharedBatch(async (ids) => {
      const rows = await dataSource.getRepository(Team).findBy({ id: In(ids) });
      return new Map(rows.map((team) => [team.id, team]));
    });
  }
}

const perDataSource = new WeakMap<DataSource, LiveReads>();

/** The process's live reads for this database. */
export function liveReads(dataSource: DataSource): LiveReads {
  let reads = perDataSource.get(dataSource);
  if (!reads) {
    reads = new LiveReads(dataSource);
    perDataSource.set(dataSource, reads);
  }
  return reads;
}

/** Which of these sessions are still live (not revoked, not expired): one statement. */
export async function activeSessions(
  dataSource: DataSource,
  sessionIds: string[],
): Promise<Set<string>> {
  if (!sessionIds.length) return new Set();
  const rows = await query<{ id: string }>(dataSource, ACTIVE_SESSIONS, [sessionIds]);
  return new Set(rows.map((row) => row.id));
}

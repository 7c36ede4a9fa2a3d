import { In, type DataSource } from 'typeorm';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import { EntityRows, SHOWN_USER_OMITS } from '../db/entity-rows';
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

/**
 * The joins that decide a subscriber's access, over `k(team_id, user_id, session_id, n)`:
 * its session (s, live and its own), its membership (m), the team (t) and its user (u, for
 * the two-factor hold). Grouped by outcome — a role and whether the session is live, with the
 * positions of the checks that share it — so 10,000 subscribers of one team come back as a
 * row or two, not 10,000.
 */
const GROUPED_ACCESS = (teamId: string) => `
  SELECT ${ROLE_UNLESS_HELD} AS role, (s.id IS NOT NULL) AS session_active,
         string_agg(k.n::text, ',') AS positions
    FROM k
    LEFT JOIN sessions s ON s.id = k.session_id AND s.user_id = k.user_id
                        AND s.revoked_at IS NULL AND s.expires_at > now()
    LEFT JOIN memberships m ON m.team_id = ${teamId} AND m.user_id = k.user_id
    LEFT JOIN teams t ON t.id = ${teamId}
    LEFT JOIN users u ON u.id = k.user_id
   GROUP BY 1, 2`;

/** Ids travel as comma-joined text (they are uuids we issued), cheaper to send than arrays. */
const ids = <T extends object>(checks: T[], field: keyof T) =>
  checks.map((check) => check[field]).join(',');

type GroupedRow = { role: MaybeRole; session_active: boolean; positions: string };

/** Spreads grouped outcomes back over the checks, in their order. */
function spread(count: number, rows: GroupedRow[]): LiveAccess[] {
  const accesses: LiveAccess[] = Array.from({ length: count }, () => ({
    sessionActive: false,
    role: null,
  }));
  for (const row of rows) {
    const access: LiveAccess = { sessionActive: row.session_active, role: row.role ?? null };
    for (const position of row.positions.split(',')) accesses[Number(position) - 1] = access;
  }
  return accesses;
}

/** Session validity and role of every check, over any number of teams, in one statement. */
export async function accessOf(
  dataSource: DataSource,
  checks: AccessCheck[],
): Promise<LiveAccess[]> {
  if (!checks.length) return [];
  const rows = await dataSource.query<GroupedRow[]>(
    `WITH k AS (
       SELECT * FROM unnest(string_to_array($1, ',')::uuid[], string_to_array($2, ',')::uuid[],
                            string_to_array($3, ',')::uuid[])
                WITH ORDINALITY AS k(team_id, user_id, session_id, n))
     ${GROUPED_ACCESS('k.team_id')}`,
    [ids(checks, 'teamId'), ids(checks, 'userId'), ids(checks, 'sessionId')],
  );
  return spread(checks.length, rows);
}

/** What delivering one team's event needs: every subscriber's access, the team, the actor. */
export interface EventReads {
  accesses: LiveAccess[];
  team: Team | null;
  actor: User | null;
}

/**
 * Everything one event's delivery reads, in one statement: the access of every subscriber
 * (the team's id sent once, not once per subscriber), the team, and the actor as others are
 * shown them (no credentials).
 */
export async function eventReads(
  dataSource: DataSource,
  teamId: string,
  actorId: string | null,
  subscribers: Omit<AccessCheck, 'teamId'>[],
): Promise<EventReads> {
  if (!subscribers.length) return { accesses: [], team: null, actor: null };
  const { teams, users } = rowsOf(dataSource);
  const rows = await dataSource.query<(GroupedRow & Record<string, unknown>)[]>(
    `WITH k AS (
       SELECT * FROM unnest(string_to_array($2, ',')::uuid[], string_to_array($3, ',')::uuid[])
                WITH ORDINALITY AS k(user_id, session_id, n)),
     g AS (${GROUPED_ACCESS('$1::uuid')})
     SELECT g.*, ${teams.select('t', 't__')}, ${users.select('a', 'a__')}
       FROM g
       LEFT JOIN teams t ON t.id = $1::uuid
       LEFT JOIN users a ON a.id = $4::uuid`,
    [teamId, ids(subscribers, 'userId'), ids(subscribers, 'sessionId'), actorId],
  );
  return {
    accesses: spread(subscribers.length, rows),
    team: rows[0] ? teams.map(rows[0], 't__') : null,
    actor: rows[0] ? users.map(rows[0], 'a__') : null,
  };
}

const entityRows = new WeakMap<DataSource, { teams: EntityRows<Team>; users: EntityRows<User> }>();

function rowsOf(dataSource: DataSource) {
  let rows = entityRows.get(dataSource);
  if (!rows) {
    // Users reached through deliveries are shown, never authenticated: no credentials.
    rows = {
      teams: new EntityRows(dataSource, Team),
      users: new EntityRows(dataSource, User, SHOWN_USER_OMITS),
    };
    entityRows.set(dataSource, rows);
  }
  return rows;
}

/**
 * The reads of feeds that take an event on their own path (busy, behind, or with a selection
 * that depends on the viewer), gathered across all such feeds of this process by the one
 * batching mechanism (SharedBatch): feeds that get an event in the same turn share one access
 * statement and one team read (the actor goes through the request loaders' shared user
 * batch). Nothing is cached: every batch is a fresh read issued after the event arrived.
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

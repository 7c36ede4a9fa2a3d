import { In, type DataSource } from 'typeorm';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import { roleUnlessHeldSql } from '../access/member-access-sql';
import { EntityRows, SHOWN_USER_OMITS } from '../db/entity-rows';
import { prepared, preparedName, query, type Prepared } from '../db/prepared';
import { SharedBatch } from '../loaders/shared-batch';
import type { MaybeRole } from '../teams/team-policy';

/** What a subscriber may still receive: its session is live, and its role in the team. */
export interface LiveAccess {
  sessionActive: boolean;
  /** Null when not a member, or while the team's two-factor requirement holds them out. */
  role: MaybeRole;
  /** A membership exists now (held or not): tells a hold apart from an ended membership. */
  member: boolean;
}

/**
 * The member's role, or null while the team's two-factor requirement holds them out. The
 * member's user is read only when the team requires two-factor: a team of 10,000 that does
 * not then costs no users lookup at all.
 */
const ROLE_UNLESS_HELD = roleUnlessHeldSql(
  '(SELECT u.two_factor_enabled_at FROM users u WHERE u.id = s.user_id)',
);

/** One subscriber to check: its session (whose user is the subscriber), in one team. */
export interface AccessCheck {
  teamId: string;
  sessionId: string;
}

/** Sessions still live (run for sockets that connect: prepared, planned once). */
const ACTIVE_SESSIONS = prepared(
  'active_sessions',
  `SELECT id FROM sessions
    WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL AND expires_at > now()`,
);

/** Key of one access check in the shared batch. */
export const accessKey = (teamId: string, sessionId: string): string => `${teamId}:${sessionId}`;

/**
 * The live session of each key of `k(…, session_id, n)` (null columns when it is revoked,
 * expired or unknown), as a CTE `ks(n, [team_id,] id, user_id)`. Materialized, so that
 * PostgreSQL looks the sessions up per key before it joins memberships: with the statistics
 * of freshly filled tables it otherwise joined every session with every membership first
 * (74 ms instead of 4 for 1,000 keys).
 */
const LIVE_SESSIONS = (withTeam: boolean) => `
  ks AS MATERIALIZED (
    SELECT k.n, ${withTeam ? 'k.team_id, ' : ''}s.id, s.user_id
      FROM k
      LEFT JOIN sessions s ON s.id = k.session_id AND s.revoked_at IS NULL
                          AND s.expires_at > now())`;

/**
 * The joins that decide a subscriber's access, over `ks` (LIVE_SESSIONS): its session (s,
 * live), the membership of the session's user (m) and the team (t), with the user's
 * two-factor state where the team requires it. A subscriber's user is the one its session was
 * issued to, so the session alone names it. Grouped by outcome — a role and whether the
 * session is live, with the positions of the checks that share it — so 10,000 subscribers of
 * one team come back as a row or two, not 10,000.
 */
const GROUPED_ACCESS = (teamId: string) => `
  SELECT ${ROLE_UNLESS_HELD} AS role, (s.id IS NOT NULL) AS session_active,
         (m.user_id IS NOT NULL) AS member, string_agg(s.n::text, ',') AS positions
    FROM ks s
    LEFT JOIN memberships m ON m.team_id = ${teamId} AND m.user_id = s.user_id
    LEFT JOIN teams t ON t.id = ${teamId}
   GROUP BY 1, 2, 3`;

/** Ids travel as comma-joined text (they are uuids we issued), cheaper to send than arrays. */
const ids = <T extends object>(checks: T[], field: keyof T) =>
  checks.map((check) => check[field]).join(',');

type GroupedRow = {
  role: MaybeRole;
  session_active: boolean;
  member: boolean;
  positions: string;
};

/** A check no row covers (cannot happen: every position is in one group) is refused. */
const NO_ACCESS: LiveAccess = Object.freeze({ sessionActive: false, role: null, member: false });

/**
 * Spreads grouped outcomes back over the checks, in their order. The checks of one outcome
 * share one (frozen) access object.
 */
function spread(count: number, rows: GroupedRow[]): LiveAccess[] {
  const accesses = new Array<LiveAccess>(count).fill(NO_ACCESS);
  for (const row of rows) {
    const access: LiveAccess = Object.freeze({
      sessionActive: row.session_active,
      role: row.role ?? null,
      member: row.member,
    });
    for (const position of row.positions.split(',')) accesses[Number(position) - 1] = access;
  }
  return accesses;
}

/**
 * Access checks are named statements, planned once per connection. Their generic plan probes
 * the sessions and memberships of the keys by index, so a check costs in proportion to its
 * keys. Planned per call with the keys' count in view, PostgreSQL instead hashed the whole
 * `sessions` table once the keys were a few thousand: on 220,000 sessions, 10,000 keys took
 * 103 ms that way and 53 ms probed; 1,000 keys on 22,000 sessions 14 ms against 6.
 */
const ACCESS_OF = prepared(
  'live_access_of',
  `WITH k AS (
     SELECT * FROM unnest(string_to_array($1, ',')::uuid[], string_to_array($2, ',')::uuid[])
              WITH ORDINALITY AS k(team_id, session_id, n)),
   ${LIVE_SESSIONS(true)}
   ${GROUPED_ACCESS('s.team_id')}`,
);

/** Session validity and role of every check, over any number of teams, in one statement. */
export async function accessOf(
  dataSource: DataSource,
  checks: AccessCheck[],
): Promise<LiveAccess[]> {
  if (!checks.length) return [];
  const rows = await query<GroupedRow>(dataSource, ACCESS_OF, [
    ids(checks, 'teamId'),
    ids(checks, 'sessionId'),
  ]);
  return spread(checks.length, rows);
}

/** What delivering some of one team's events needs: each subscriber's access, team, actors. */
export interface EventReads {
  accesses: LiveAccess[];
  team: Team | null;
  /** The events' actors that exist, by id. */
  actors: Map<string, User>;
}

const EVENT_READS_NAME = 'live_event_reads';

/** The named access checks, as PostgreSQL knows them (`EXPLAIN EXECUTE <name>(…)`). */
export const ACCESS_STATEMENTS = {
  accessOf: ACCESS_OF.name,
  eventReads: preparedName(EVENT_READS_NAME),
} as const;

/** The statement of eventReads; its columns come from the entities' metadata. */
function eventReadsOf(teams: EntityRows<Team>, users: EntityRows<User>): Prepared {
  // Named, like ACCESS_OF and for the same reason.
  return prepared(
    EVENT_READS_NAME,
    `WITH k AS (
       SELECT * FROM unnest(string_to_array($2, ',')::uuid[]) WITH ORDINALITY AS k(session_id, n)),
     ${LIVE_SESSIONS(false)},
     g AS (SELECT row_number() OVER () AS i, o.* FROM (${GROUPED_ACCESS('$1::uuid')}) o),
     a AS (SELECT row_number() OVER () AS i, users.* FROM users
            WHERE users.id = ANY(string_to_array($3, ',')::uuid[]))
     SELECT g.role, g.session_active, g.member, g.positions, ${teams.select('t', 't__')},
            ${users.select('a', 'a__')}
       FROM g FULL JOIN a ON a.i = g.i
       LEFT JOIN teams t ON t.id = $1::uuid`,
  );
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
  // Users reached through deliveries are shown, never authenticated: no credentials.
  private readonly teamRows: EntityRows<Team>;
  private readonly users: EntityRows<User>;
  private readonly eventReadsStatement: Prepared;

  constructor(private readonly dataSource: DataSource) {
    this.teamRows = new EntityRows(dataSource, Team);
    this.users = new EntityRows(dataSource, User, SHOWN_USER_OMITS);
    this.eventReadsStatement = eventReadsOf(this.teamRows, this.users);
    this.access = new SharedBatch(async (keys) => {
      const checks = keys.map((key) => {
        const [teamId, sessionId] = key.split(':');
        return { teamId, sessionId };
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

  /**
   * Everything the delivery of one or more of a team's events reads, in one statement: the
   * access of every subscriber (the team's id sent once, not once per subscriber), the team,
   * and the actors as others are shown them (no credentials). Access groups and actors are
   * numbered and paired row by row (a full join on the numbers), so neither repeats the other.
   */
  async eventReads(
    teamId: string,
    actorIds: (string | null)[],
    sessionIds: string[],
  ): Promise<EventReads> {
    const actors = new Map<string, User>();
    if (!sessionIds.length) return { accesses: [], team: null, actors };
    const wanted = [...new Set(actorIds.filter((id): id is string => id !== null))];
    const rows = await query<Partial<GroupedRow> & Record<string, unknown>>(
      this.dataSource,
      this.eventReadsStatement,
      [teamId, sessionIds.join(','), wanted.join(',')],
    );
    for (const row of rows) {
      const actor = this.users.map(row, 'a__');
      if (actor) actors.set(actor.id, actor);
    }
    return {
      accesses: spread(
        sessionIds.length,
        rows.filter((row): row is GroupedRow & Record<string, unknown> => row.positions != null),
      ),
      team: rows[0] ? this.teamRows.map(rows[0], 't__') : null,
      actors,
    };
  }
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

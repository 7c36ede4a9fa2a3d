import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { hashPassword } from '../../src/auth/password-hasher';
import { generateToken, hashToken } from '../../src/auth/token';

/** Every benchmark user's password; its argon2 hash is computed once per run and reused. */
export const BENCH_PASSWORD = 'Bench-Quartz-Lantern-Meadow-47!';

let passwordHash: Promise<string> | undefined;
const benchPasswordHash = () => (passwordHash ??= hashPassword(BENCH_PASSWORD));

export interface BenchUser {
  id: string;
  email: string;
  displayName: string;
  /** Bearer token of a live session. */
  token: string;
}

export interface BenchTeam {
  id: string;
  name: string;
  owner: BenchUser;
  members: BenchUser[];
}

const CHUNK = 5000;

async function inChunks<T>(rows: T[], work: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await work(rows.slice(i, i + CHUNK));
}

/**
 * Users with one live session each, inserted with SQL: signing a thousand users up through
 * the API would spend minutes in argon2. Tokens are stored as SHA-256, as the server does.
 */
export async function createUsers(pool: Pool, count: number, label: string): Promise<BenchUser[]> {
  const hash = await benchPasswordHash();
  const users: BenchUser[] = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    email: `${label}-${i}-${randomUUID().slice(0, 8)}@bench.example.com`,
    displayName: `Bench ${label} ${i}`,
    token: generateToken(),
  }));
  await inChunks(users, async (chunk) => {
    await pool.query(
      `INSERT INTO users (id, email, display_name, password_hash)
       SELECT id, email, name, $4 FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(id, email, name)`,
      [chunk.map((u) => u.id), chunk.map((u) => u.email), chunk.map((u) => u.displayName), hash],
    );
    await pool.query(
      `INSERT INTO sessions (user_id, token_hash, expires_at, user_agent)
       SELECT id, token_hash, now() + interval '1 day', 'teamgraph-bench'
         FROM unnest($1::uuid[], $2::text[]) AS s(id, token_hash)`,
      [chunk.map((u) => u.id), chunk.map((u) => hashToken(u.token))],
    );
  });
  return users;
}

/**
 * Teams of `size` users each (the first is the OWNER, the rest MEMBERs), inserted with SQL.
 * A team made this way has no TEAM_CREATED row; its first mutation records seq 1.
 */
export async function createTeams(
  pool: Pool,
  users: BenchUser[],
  size: number,
  label: string,
): Promise<BenchTeam[]> {
  const teams: BenchTeam[] = [];
  for (let i = 0; i + size <= users.length; i += size) {
    const members = users.slice(i, i + size);
    teams.push({
      id: randomUUID(),
      name: `${label} team ${teams.length}`,
      owner: members[0],
      members,
    });
  }
  // A team and its owner in one statement: a team without an owner cannot commit.
  await inChunks(teams, (chunk) =>
    pool.query(
      `WITH t AS (
         INSERT INTO teams (id, name) SELECT * FROM unnest($1::uuid[], $2::text[]) RETURNING id
       )
       INSERT INTO memberships (team_id, user_id, role)
       SELECT o.team_id, o.user_id, 'OWNER'
         FROM unnest($1::uuid[], $3::uuid[]) AS o(team_id, user_id) JOIN t ON t.id = o.team_id`,
      [chunk.map((t) => t.id), chunk.map((t) => t.name), chunk.map((t) => t.owner.id)],
    ),
  );
  const members = teams.flatMap((team) =>
    team.members.slice(1).map((user) => ({ teamId: team.id, userId: user.id })),
  );
  await inChunks(members, (chunk) =>
    pool.query(
      `INSERT INTO memberships (team_id, user_id, role) SELECT team_id, user_id, 'MEMBER' FROM unnest($1::uuid[], $2::uuid[]) AS m(team_id, user_id)`,
      [chunk.map((m) => m.teamId), chunk.map((m) => m.userId)],
    ),
  );
  return teams;
}

/** Adds existing users to an existing team as MEMBERs. */
export async function addMembers(pool: Pool, team: BenchTeam, users: BenchUser[]): Promise<void> {
  await pool.query(
    `INSERT INTO memberships (team_id, user_id, role) SELECT $1, id, 'MEMBER' FROM unnest($2::uuid[]) AS u(id)`,
    [team.id, users.map((u) => u.id)],
  );
  team.members.push(...users);
}

/** One item per team, inserted with SQL (bulk setup; the API path is measured elsewhere). */
export async function createItemsSql(pool: Pool, teams: BenchTeam[]): Promise<Map<string, string>> {
  const ids = new Map(teams.map((t) => [t.id, randomUUID()]));
  await inChunks(teams, (chunk) =>
    pool.query(
      `INSERT INTO items (id, team_id, title, content, created_by_id, updated_by_id)
       SELECT id, team_id, 'Bench item', '{"body": "seeded"}', owner, owner
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS i(id, team_id, owner)`,
      [chunk.map((t) => ids.get(t.id)), chunk.map((t) => t.id), chunk.map((t) => t.owner.id)],
    ),
  );
  return ids;
}

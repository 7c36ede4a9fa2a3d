import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';
import { ACCESS_STATEMENTS, accessOf, LiveReads } from '../src/live/live-reads';
import { createScratchDatabase } from './support/scratch-database';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const tablesReadWhole = (node: PlanNode): string[] => [
  ...(node['Node Type'] === 'Seq Scan' && node['Relation Name'] ? [node['Relation Name']] : []),
  ...(node.Plans ?? []).flatMap(tablesReadWhole),
];

/**
 * The per-event access check reads the subscribers' sessions and memberships by index, so it
 * costs in proportion to the subscribers, not to the tables. Planned per call, PostgreSQL
 * hashed the whole sessions table once the keys were a tenth of it. Checked on the plan the
 * server keeps for its named statements (PostgreSQL's generic plan, after its first five
 * custom plans), on one connection so that EXPLAIN sees the server's own statements.
 */
describe('live access checks: plan', () => {
  const USERS = 20_000;
  const SUBSCRIBERS = 2_000;
  let db: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataSource: DataSource;
  let teamId: string;
  let ownerId: string;
  let sessionIds: string[];
  /** What each position of sessionIds may receive: the owner first, then the denied ones. */
  const OWNER = 0;
  const expected = (position: number): string =>
    ({
      [OWNER]: 'true:OWNER',
      1: 'false:null', // revoked
      2: 'false:null', // expired
      3: 'true:null', // a former member, signed in
      4: 'false:null', // a session that does not exist
    })[position] ?? 'true:MEMBER';
  const outcomes = (accesses: { sessionActive: boolean; role: string | null }[]) =>
    accesses.map((a) => `${a.sessionActive}:${a.role}`);

  beforeAll(async () => {
    db = await createScratchDatabase({ migrated: true });
    dataSource = createDataSource({ url: db.url, poolSize: 1 });
    await dataSource.initialize();
    await dataSource.query(
      `INSERT INTO users (email, display_name, password_hash)
         SELECT 'plan' || g || '@example.test', 'Plan ' || g, 'unused'
           FROM generate_series(1, $1::int) g`,
      [USERS],
    );
    await dataSource.query(
      `INSERT INTO sessions (user_id, token_hash, expires_at)
         SELECT id, md5(id::text), now() + interval '1 day' FROM users`,
    );
    await dataSource.transaction(async (tx) => {
      const [team] = (await tx.query(`INSERT INTO teams (name) VALUES ('plan') RETURNING id`)) as {
        id: string;
      }[];
      teamId = team.id;
      await tx.query(
        `INSERT INTO memberships (team_id, user_id, role)
           SELECT $1, id, CASE WHEN n = 1 THEN 'OWNER' ELSE 'MEMBER' END
             FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM users) u
            WHERE n <= $2`,
        [teamId, SUBSCRIBERS],
      );
      // Every user is also in one other team, so the team is a tenth of the memberships.
      await tx.query(
        `WITH other AS (INSERT INTO teams (name) VALUES ('other') RETURNING id)
         INSERT INTO memberships (team_id, user_id, role)
           SELECT other.id, u.id, CASE WHEN u.n = 1 THEN 'OWNER' ELSE 'MEMBER' END
             FROM other, (SELECT id, row_number() OVER (ORDER BY email) AS n FROM users) u`,
      );
    });
    await dataSource.query('ANALYZE');
    const rows = (await dataSource.query(
      `SELECT s.id, s.user_id, m.role FROM memberships m JOIN sessions s ON s.user_id = m.user_id
        WHERE m.team_id = $1 ORDER BY m.role DESC, s.id`,
      [teamId],
    )) as { id: string; user_id: string; role: string }[];
    ownerId = rows[OWNER].user_id;
    expect(rows[OWNER].role).toBe('OWNER');
    sessionIds = rows.map((row) => row.id);
    await dataSource.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1`, [sessionIds[1]]);
    await dataSource.query(
      `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [sessionIds[2]],
    );
    await dataSource.query(`DELETE FROM memberships WHERE team_id = $1 AND user_id = $2`, [
      teamId,
      rows[3].user_id,
    ]);
    sessionIds[4] = randomUUID();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const planOf = async (name: string, args: string[]): Promise<PlanNode> => {
    const literals = args.map((arg) => `'${arg}'`).join(', ');
    const [row] = (await dataSource.query(
      `EXPLAIN (FORMAT JSON) EXECUTE ${name}(${literals})`,
    )) as {
      'QUERY PLAN': { Plan: PlanNode }[];
    }[];
    return row['QUERY PLAN'][0].Plan;
  };

  it('delivering an event: right answers, denials included, and no table read whole', async () => {
    // The first five runs are planned each time; the later ones use the kept plan.
    const reads = new LiveReads(dataSource);
    for (const size of [SUBSCRIBERS, 3, SUBSCRIBERS, 10, SUBSCRIBERS, SUBSCRIBERS, SUBSCRIBERS]) {
      const { accesses, team, actors } = await reads.eventReads(
        teamId,
        [ownerId],
        sessionIds.slice(0, size),
      );
      expect(outcomes(accesses)).toEqual(sessionIds.slice(0, size).map((_, i) => expected(i)));
      expect(team?.id).toBe(teamId);
      expect([...actors.keys()]).toEqual([ownerId]);
    }
    const plan = await planOf(ACCESS_STATEMENTS.eventReads, [
      teamId,
      sessionIds.join(','),
      ownerId,
    ]);
    expect(tablesReadWhole(plan).filter((t) => t !== 'teams')).toEqual([]);
  });

  it('re-checking every feed of the instance: right answers, denials included, and no table read whole', async () => {
    const checks = sessionIds.map((sessionId) => ({ teamId, sessionId }));
    for (let run = 0; run < 7; run += 1) {
      const size = run % 2 ? 5 : checks.length;
      const accesses = await accessOf(dataSource, checks.slice(0, size));
      expect(outcomes(accesses)).toEqual(checks.slice(0, size).map((_, i) => expected(i)));
    }
    const plan = await planOf(ACCESS_STATEMENTS.accessOf, [
      checks.map(() => teamId).join(','),
      sessionIds.join(','),
    ]);
    expect(tablesReadWhole(plan).filter((t) => t !== 'teams')).toEqual([]);
  });
});

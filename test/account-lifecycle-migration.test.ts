import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { migrations } from '../ormconfig';
import { computeActivityHash } from '../src/db/activity-hash';
import { verifyActivityLog } from '../src/activity/verify-activity-log';
import { CpuPool } from '../src/workers/cpu-pool';
import { dataSourceAt } from './support/migration-history';
import { createScratchDatabase } from './support/scratch-database';

/** Writes a team with `count` activity rows chained the old way (the summary text sealed). */
async function legacyTeam(db: DataSource, count: number): Promise<string> {
  // One statement: a team must have its owner when the transaction commits.
  const [{ team_id: teamId, user_id: userId }] = await db.query(
    `WITH t AS (INSERT INTO teams (name) VALUES ('Legacy') RETURNING id),
          u AS (INSERT INTO users (email, display_name, password_hash)
                VALUES ($1, 'Old Timer', 'x') RETURNING id)
     INSERT INTO memberships (team_id, user_id, role)
     SELECT t.id, u.id, 'OWNER' FROM t, u
     RETURNING team_id, user_id`,
    [`legacy-${randomUUID()}@example.com`],
  );
  let previous = '';
  for (let seq = 1; seq <= count; seq += 1) {
    const row = {
      teamId,
      seq,
      actorId: userId,
      action: 'TEAM_RENAMED',
      subjectType: 'Team',
      subjectId: teamId,
      summary: `Old Timer renamed the team (${seq})`,
      details: { seq },
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
    };
    const hash = computeActivityHash(previous, row);
    await db.query(
      `INSERT INTO activities (team_id, seq, actor_id, action, subject_type, subject_id, summary, details, created_at, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        teamId,
        seq,
        userId,
        row.action,
        row.subjectType,
        teamId,
        row.summary,
        row.details,
        row.createdAt,
        hash,
      ],
    );
    previous = hash;
  }
  await db.query(`UPDATE teams SET last_seq = $2, last_hash = $3 WHERE id = $1`, [
    teamId,
    count,
    previous,
  ]);
  return teamId;
}

describe('account lifecycle migration: re-sealing existing activity chains', () => {
  it('re-seals intact chains with summary digests and leaves a broken chain broken', async () => {
    const database = await createScratchDatabase();
    try {
      // Up to the migration under test, whatever was added after it.
      const before = dataSourceAt(
        database.url,
        migrations.findIndex((m) => m.name === 'AccountLifecycle1765300000000'),
      );
      await before.initialize();
      await before.runMigrations();
      const intact = await legacyTeam(before, 3);
      const broken = await legacyTeam(before, 3);
      await before.query(
        `UPDATE activities SET summary = 'edited' WHERE team_id = $1 AND seq = 2`,
        [broken],
      );
      await before.destroy();

      const after = dataSourceAt(database.url, migrations.length);
      const cpu = new CpuPool({ threads: 1, maxQueue: 4 });
      await after.initialize();
      await after.runMigrations();
      try {
        expect(await verifyActivityLog(after, cpu, intact)).toEqual({
          intact: true,
          checkedCount: 3,
          firstBrokenSeq: null,
        });
        expect(await verifyActivityLog(after, cpu, broken)).toMatchObject({
          intact: false,
          firstBrokenSeq: 2,
        });
        const sealed = await after.query(
          `SELECT count(*)::int AS n FROM activities WHERE team_id = $1 AND summary_digest IS NOT NULL AND summary_salt IS NOT NULL`,
          [intact],
        );
        expect(sealed[0].n).toBe(3);
        const unsealed = await after.query(
          `SELECT count(*)::int AS n FROM activities WHERE team_id = $1 AND summary_digest IS NULL`,
          [broken],
        );
        expect(unsealed[0].n).toBe(3);
      } finally {
        await after.destroy();
        await cpu.close();
      }
    } finally {
      await database.drop();
    }
  });
});

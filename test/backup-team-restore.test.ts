import { partsOf } from '../src/backup/manifest';
import { restoreTeam } from '../src/backup/restore-team';
import { canonicalActivity, computeActivityHash } from '../src/db/activity-hash';
import { referenceRoot } from './support/rfc9162-reference';
import { buildUser } from './factories/user.factory';
import { databaseUrlOf, dumpTables, seedTeam, testKey, keys } from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';
import { dataFingerprint } from './support/counts';

const suite = useBackupSuite();
const key = testKey();

const service = () => suite.service(key);
const deps = () => ({
  dataSource: suite.app.app.services.dataSource,
  bus: suite.app.app.services.bus,
});

/** The team's rows in every table, as text, for before/after comparisons. */
async function teamRows(teamId: string) {
  const rows: Record<string, string[]> = {};
  for (const [table, column] of [
    ['teams', 'id'],
    ['memberships', 'team_id'],
    ['invitations', 'team_id'],
    ['items', 'team_id'],
    ['activities', 'team_id'],
  ]) {
    const result = await suite.app.sql<{ r: string }>(
      `SELECT t::text AS r FROM ${table} t WHERE ${column} = $1 ORDER BY 1`,
      [teamId],
    );
    rows[table] = result.map((row) => row.r);
  }
  return rows;
}

describe('restoring one team into the live database', () => {
  it('brings back the deleted team with its members, items, invitations and activity, plus TEAM_RESTORED', async () => {
    const seeded = await seedTeam(suite.app, 'Restorable team');
    const other = await seedTeam(suite.app, 'Bystander team');
    const before = await teamRows(seeded.team.id);
    const [beforeTeam] = await suite.app.sql<{ last_seq: number; last_hash: string }>(
      'SELECT last_seq, last_hash FROM teams WHERE id = $1',
      [seeded.team.id],
    );
    const manifest = await service().run(['daily']);

    const deleted = await suite.app.gql(
      `mutation ($id: ID!) { deleteTeam(teamId: $id) }`,
      { id: seeded.team.id },
      seeded.team.owner.token,
    );
    expect(deleted.errors).toBeUndefined();
    // The member's account is deleted too: restore must bring the user back (not their sessions).
    await suite.app.sql('DELETE FROM users WHERE id = $1', [seeded.member.id]);
    // Life goes on elsewhere: another team changes after the backup, and must not be touched.
    await suite.app.sql(`UPDATE items SET title = 'changed after backup' WHERE team_id = $1`, [
      other.team.id,
    ]);
    const otherAfter = await teamRows(other.team.id);

    const result = await restoreTeam(
      await service().get(manifest.id),
      keys(key),
      seeded.team.id,
      deps(),
    );
    expect(Object.fromEntries(result.tables.map((t) => [t.name, t.rows]))).toEqual({
      teams: 1,
      users: 1,
      memberships: 2,
      invitations: 1,
      items: 1,
      activities: 1,
      // The checkpoint signed on its first row (the tree's hashes travel on the activity rows).
      activity_checkpoints: 1,
      // The member's report of that checkpoint.
      checkpoint_witnesses: 1,
    });

    const after = await teamRows(seeded.team.id);
    for (const table of ['memberships', 'items']) expect(after[table]).toEqual(before[table]);
    // The invitation is back as history; its link died with the team and stays dead.
    const [invitation] = await suite.app.sql<{ status: string; responded_at: Date | null }>(
      'SELECT status, responded_at FROM invitations WHERE id = $1',
      [seeded.invitationId],
    );
    expect(invitation.status).toBe('REVOKED');
    expect(invitation.responded_at).not.toBeNull();
    // Every activity row is back, followed by one TEAM_RESTORED chained onto the old head.
    expect(after.activities).toHaveLength(before.activities.length + 1);
    expect(after.activities).toEqual(expect.arrayContaining(before.activities));
    const [restored] = await suite.app.sql<{
      seq: number;
      actor_id: string | null;
      action: string;
      subject_id: string;
      details: Record<string, unknown>;
      hash: string;
      summary: string;
      summary_digest: string | null;
      subject_type: string;
      created_at: Date;
      id: string;
    }>(`SELECT * FROM activities WHERE team_id = $1 ORDER BY seq DESC LIMIT 1`, [seeded.team.id]);
    expect(restored).toMatchObject({
      seq: beforeTeam.last_seq + 1,
      actor_id: null,
      action: 'TEAM_RESTORED',
      subject_id: seeded.team.id,
      details: {
        backupId: manifest.id,
        backupCreatedAt: manifest.createdAt,
        revokedInvitations: 1,
      },
    });
    const [team] = await suite.app.sql<{ last_seq: number; last_hash: string }>(
      'SELECT last_seq, last_hash FROM teams WHERE id = $1',
      [seeded.team.id],
    );
    expect(team.last_seq).toBe(beforeTeam.last_seq + 1);
    expect(team.last_hash).toBe(restored.hash);
    expect(restored.hash).toBe(
      computeActivityHash(beforeTeam.last_hash, {
        teamId: seeded.team.id,
        seq: restored.seq,
        actorId: null,
        action: restored.action,
        subjectType: restored.subject_type,
        subjectId: restored.subject_id,
        summary: restored.summary,
        details: restored.details,
        createdAt: restored.created_at,
        summaryDigest: restored.summary_digest,
      }),
    );

    const [user] = await suite.app.sql<{ id: string }>('SELECT id FROM users WHERE id = $1', [
      seeded.member.id,
    ]);
    expect(user.id).toBe(seeded.member.id);
    expect(
      await suite.app.sql('SELECT 1 FROM sessions WHERE user_id = $1', [seeded.member.id]),
    ).toEqual([]);
    expect(await teamRows(other.team.id)).toEqual(otherAfter);

    // The owner (never deleted) sees the team again through the API.
    const seen = await suite.app.gql<{ team: { id: string; name: string } }>(
      `query ($id: ID!) { team(id: $id) { id name } }`,
      { id: seeded.team.id },
      seeded.team.owner.token,
    );
    expect(seen.data?.team).toEqual({ id: seeded.team.id, name: 'Restorable team' });

    // The restored tree goes on from the backup's: its newest checkpoint is the root of every
    // row, TEAM_RESTORED included, and the checkpoint signed before the backup still holds.
    const rows = await suite.app.sql<Parameters<typeof canonicalActivity>[0] & { hash: string }>(
      `SELECT team_id AS "teamId", seq, actor_id AS "actorId", action, subject_type AS "subjectType",
              subject_id AS "subjectId", summary, summary_digest AS "summaryDigest", details,
              created_at AS "createdAt"
         FROM activities WHERE team_id = $1 ORDER BY seq`,
      [seeded.team.id],
    );
    const leaves = rows.map((row) => Buffer.from(canonicalActivity(row), 'utf8'));
    const checkpoint = await suite.app.gql<{
      activityCheckpoint: { treeSize: number; rootHash: string };
    }>(
      `query ($t: ID!) { activityCheckpoint(teamId: $t) { treeSize rootHash } }`,
      { t: seeded.team.id },
      seeded.team.owner.token,
    );
    expect(checkpoint.data?.activityCheckpoint).toEqual({
      treeSize: rows.length,
      rootHash: referenceRoot(leaves).toString('base64'),
    });
    const [first] = await suite.app.sql<{ root_hash: string }>(
      `SELECT root_hash FROM activity_checkpoints WHERE team_id = $1 AND tree_size = 1`,
      [seeded.team.id],
    );
    expect(first.root_hash).toBe(referenceRoot(leaves.slice(0, 1)).toString('base64'));
  });

  it('refuses when the team exists, and changes nothing', async () => {
    const seeded = await seedTeam(suite.app, 'Still here');
    const manifest = await service().run(['daily']);
    const fingerprint = await dataFingerprint(suite.app);
    await expect(
      restoreTeam(await service().get(manifest.id), keys(key), seeded.team.id, deps()),
    ).rejects.toThrow(`team ${seeded.team.id} exists; only a deleted team can be restored`);
    expect(await dataFingerprint(suite.app)).toBe(fingerprint);
  });

  it('refuses a team the backup does not hold, and a malformed id, changing nothing', async () => {
    const manifest = await service().run(['daily']);
    const fingerprint = await dataFingerprint(suite.app);
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(
      restoreTeam(await service().get(manifest.id), keys(key), missing, deps()),
    ).rejects.toThrow(`team ${missing} is not in backup ${manifest.id}`);
    await expect(
      restoreTeam(await service().get(manifest.id), keys(key), "x'; DROP TABLE teams; --", deps()),
    ).rejects.toThrow(/is not a team id/);
    expect(await dataFingerprint(suite.app)).toBe(fingerprint);
  });

  it('refuses, and rolls back everything, when a deleted member’s e-mail now belongs to someone else', async () => {
    const seeded = await seedTeam(suite.app, 'Clash team');
    const manifest = await service().run(['daily']);
    await suite.app.gql(
      `mutation ($id: ID!) { deleteTeam(teamId: $id) }`,
      { id: seeded.team.id },
      seeded.team.owner.token,
    );
    await suite.app.sql('DELETE FROM users WHERE id = $1', [seeded.member.id]);
    await buildUser(suite.app, { email: seeded.member.email });
    const before = await dumpTables(databaseUrlOf(suite.app));
    await expect(
      restoreTeam(await service().get(manifest.id), keys(key), seeded.team.id, deps()),
    ).rejects.toThrow(/a users row clashes with live data/);
    expect(await dumpTables(databaseUrlOf(suite.app))).toEqual(before);
  });

  it('brings back every item of a team whose table the backup split into several parts', async () => {
    const seeded = await seedTeam(suite.app, 'Team across parts');
    // Enough rows for the items table to span many 8-page parts, the team's among them.
    await suite.app.sql(
      `INSERT INTO items (team_id, title, content, created_by_id, updated_by_id, version)
       SELECT $1, 'item ' || n, json_build_object('text', repeat(md5(n::text), 12)), $2, $2, 1
         FROM generate_series(1, 2000) AS n`,
      [seeded.team.id, seeded.member.id],
    );
    const before = await teamRows(seeded.team.id);
    const manifest = await suite.service(key, { partPages: 8 }).run(['daily']);
    const items = manifest.tables.find((table) => table.name === 'items');
    expect(items && partsOf(items).length).toBeGreaterThan(2);

    const deleted = await suite.app.gql(
      `mutation ($id: ID!) { deleteTeam(teamId: $id) }`,
      { id: seeded.team.id },
      seeded.team.owner.token,
    );
    expect(deleted.errors).toBeUndefined();
    expect((await teamRows(seeded.team.id)).items).toEqual([]);

    const result = await restoreTeam(
      await service().get(manifest.id),
      keys(key),
      seeded.team.id,
      deps(),
    );
    expect(result.tables.find((table) => table.name === 'items')?.rows).toBe(before.items.length);
    expect((await teamRows(seeded.team.id)).items).toEqual(before.items);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runBackupCommand } from '../src/cli/backup-command';
import {
  databaseUrlOf,
  queryUrl,
  seedTeam,
  tempBackupDir,
  testKey,
} from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';

const suite = useBackupSuite(seedTeam);
const key = testKey().toString('base64');

/** Runs `teamgraph backup …` in-process with the server's environment; captures its output. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runBackupCommand(
    args,
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrlOf(suite.app),
      BACKUP_DIR: suite.storage.dir,
      BACKUP_ENCRYPTION_KEY: key,
      ...env,
    },
    { out: (line) => out.push(line), err: (line) => err.push(line) },
  );
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('teamgraph backup CLI', () => {
  let firstId: string;

  it('run takes a backup and prints its id; --tier picks the tiers', async () => {
    const daily = await cli(['run']);
    expect(daily).toMatchObject({ code: 0, stderr: '' });
    firstId = daily.stdout.split(/\s+/)[0];
    expect(firstId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const both = await cli(['run', '--tier', 'weekly', '--tier', 'monthly']);
    expect(both.code).toBe(0);
    expect(both.stdout).toContain('monthly,weekly');
  });

  it('list --json prints an array with id, createdAt, tiers and sizeBytes, newest first', async () => {
    const { code, stdout } = await cli(['list', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as {
      id: string;
      createdAt: string;
      tiers: string[];
      sizeBytes: number;
    }[];
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toEqual(
        expect.objectContaining({
          id: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/),
          createdAt: expect.any(String),
          tiers: expect.any(Array),
          sizeBytes: expect.any(Number),
        }),
      );
      expect(new Date(row.createdAt).toISOString()).toBe(row.createdAt);
      expect(row.sizeBytes).toBeGreaterThan(0);
    }
    expect(rows[1]).toMatchObject({ id: firstId, tiers: ['daily'] });
    expect(rows[0].tiers).toEqual(['monthly', 'weekly']);
    expect(rows[0].createdAt >= rows[1].createdAt).toBe(true);
  });

  it('verify exits 0 for a good backup', async () => {
    const { code, stdout } = await cli(['verify', firstId]);
    expect(code).toBe(0);
    expect(stdout).toContain(`backup ${firstId} verified`);
    expect(stdout).toMatch(/^ok +items: 1\/1 rows, checksum matches$/m);
  });

  it('restore --database-url restores everything into an empty database', async () => {
    const url = await suite.emptyDatabase();
    const { code, stdout } = await cli(['restore', firstId, '--database-url', url]);
    expect(code).toBe(0);
    expect(stdout).toContain(`backup ${firstId} restored`);
    const [team] = await queryUrl<{ id: string }>(url, 'SELECT id FROM teams WHERE id = $1', [
      suite.seeded.team.id,
    ]);
    expect(team.id).toBe(suite.seeded.team.id);
  });

  it('restore --team refuses a team that exists (exit 1), then restores it once deleted', async () => {
    const refused = await cli(['restore', firstId, '--team', suite.seeded.team.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `refused: team ${suite.seeded.team.id} exists; only a deleted team can be restored`,
    );

    await suite.app.gql(
      `mutation ($id: ID!) { deleteTeam(teamId: $id) }`,
      { id: suite.seeded.team.id },
      suite.seeded.team.owner.token,
    );
    const restored = await cli(['restore', firstId, '--team', suite.seeded.team.id]);
    expect(restored).toMatchObject({ code: 0, stderr: '' });
    expect(restored.stdout).toContain(
      `team ${suite.seeded.team.id} restored from backup ${firstId}`,
    );
    const [activity] = await suite.app.sql<{ action: string; actor_id: string | null }>(
      'SELECT action, actor_id FROM activities WHERE team_id = $1 ORDER BY seq DESC LIMIT 1',
      [suite.seeded.team.id],
    );
    expect(activity).toEqual({ action: 'TEAM_RESTORED', actor_id: null });
  });

  it('verify exits 1 with a clear message for a tampered backup', async () => {
    const [{ id }] = JSON.parse((await cli(['list', '--json'])).stdout) as { id: string }[];
    const manifest = JSON.parse(
      readFileSync(path.join(suite.storage.dir, id, 'manifest.json'), 'utf8'),
    );
    const part = path.join(suite.storage.dir, id, manifest.tables[0].parts[0].file);
    const bytes = readFileSync(part);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(part, new Uint8Array(bytes));
    const { code, stderr } = await cli(['verify', id]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^refused: backup \S+: part \S+ does not match its SHA-256 \(tampered or damaged\)$/,
    );
  });

  it('status exits 0 while the newest backup is fresh and 1 when there is none', async () => {
    const fresh = await cli(['status', '--json']);
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ stale: false, count: 2 });
    const empty = tempBackupDir();
    try {
      const none = await cli(['status'], { BACKUP_DIR: empty.dir });
      expect(none.code).toBe(1);
      expect(none.stdout).toMatch(/^STALE: no backup/);
    } finally {
      empty.remove();
    }
  });

  it('prune keeps what retention keeps', async () => {
    const { code, stdout } = await cli(['prune']);
    expect(code).toBe(0);
    expect(stdout).toContain('2 backups kept, 0 removed');
  });

  it('usage and configuration errors exit 2 and change nothing', async () => {
    const before = (await cli(['list', '--json'])).stdout;
    expect((await cli([])).code).toBe(2);
    expect((await cli(['explode'])).stderr).toMatch(/unknown command "explode"/);
    expect((await cli(['verify'])).code).toBe(2);
    expect((await cli(['run', '--tier', 'hourly'])).stderr).toMatch(/unknown tier "hourly"/);
    expect((await cli(['restore', firstId])).stderr).toMatch(/exactly one of --database-url/);
    const tooOld = await cli(['run'], { BACKUP_MAX_AGE: '40d' });
    expect(tooOld.code).toBe(2);
    expect(tooOld.stderr).toMatch(/BACKUP_MAX_AGE: cannot exceed 31d/);
    expect((await cli(['list', '--json'])).stdout).toBe(before);
  });
});

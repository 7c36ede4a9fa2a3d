import { backupStatus } from '../src/backup/backup-status';
import { restoreDatabase } from '../src/backup/restore-database';
import { restoreTeam } from '../src/backup/restore-team';
import { BackupScheduler } from '../src/backup/scheduler';
import { backupDir } from '../src/config/backup-config';
import {
  backupService,
  databaseUrlOf,
  keys,
  queryUrl,
  seedTeam,
  tempBackupDir,
  testKey,
} from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';

/** Two databases on one server, backed up into one shared folder. */
const suite = useBackupSuite(seedTeam);
let otherUrl: string;
const key = testKey();
const schedules = { daily: '0 2 * * *', weekly: '0 2 * * 0', monthly: '0 2 1 * *' };
let clock = new Date('2026-11-25T10:00:00Z');
const now = () => clock;
const serviceOf = (url: string, keep = 7) =>
  backupService(url, suite.storage.dir, key, { now, keep: { daily: keep } });

beforeAll(async () => {
  // The second database: a copy of the first, restored from a backup kept elsewhere.
  otherUrl = await suite.emptyDatabase();
  const elsewhere = tempBackupDir();
  try {
    const source = backupService(databaseUrlOf(suite.app), elsewhere.dir, key);
    const manifest = await source.run(['daily']);
    await restoreDatabase(await source.get(manifest.id), keys(key), otherUrl);
  } finally {
    elsewhere.remove();
  }
});

describe('each backup knows its database', () => {
  it('the manifest records the system identifier and the database name', async () => {
    const manifest = await serviceOf(databaseUrlOf(suite.app)).run(['daily']);
    const [identity] = await queryUrl<{ id: string; name: string }>(
      databaseUrlOf(suite.app),
      'SELECT system_identifier::text AS id, current_database() AS name FROM pg_control_system()',
    );
    expect(manifest.database).toEqual({ systemIdentifier: identity.id, name: identity.name });
  });

  it("list and status see only this database's backups: the other is stale with none", async () => {
    const mine = serviceOf(databaseUrlOf(suite.app));
    const theirs = serviceOf(otherUrl);
    expect((await mine.list()).length).toBeGreaterThan(0);
    expect(await theirs.list()).toEqual([]);
    expect((await theirs.listAll()).length).toBe((await mine.list()).length);
    const status = backupStatus(await theirs.identity(), await theirs.list(), clock);
    expect(status).toMatchObject({ count: 0, newest: null, stale: true });
    expect(status.database.name).toBe(new URL(otherUrl).pathname.slice(1));
  });

  it("catch-up runs for a database whose only neighbours' backups are fresh", async () => {
    const run = (url: string) =>
      new BackupScheduler(serviceOf(url), { schedules, pruneSchedule: '30 * * * *' });
    const first = run(databaseUrlOf(suite.app));
    // This database is covered: nothing to do.
    await serviceOf(databaseUrlOf(suite.app)).run(['daily', 'weekly', 'monthly']);
    expect((await first.tick()).status).toBe('not-due');
    const second = run(otherUrl);
    const result = await second.tick();
    expect(result.status === 'ran' && result.manifest.tiers).toEqual([
      'daily',
      'monthly',
      'weekly',
    ]);
    expect(result.status === 'ran' && result.manifest.database?.name).toBe(
      new URL(otherUrl).pathname.slice(1),
    );
    await Promise.all([first.stop(), second.stop()]);
  });

  it("retention counts each database's backups on its own", async () => {
    clock = new Date('2026-11-26T10:00:00Z');
    const mine = serviceOf(databaseUrlOf(suite.app), 1);
    const theirs = serviceOf(otherUrl, 1);
    const newest = await mine.run(['daily']);
    const theirIds = (await theirs.list()).map((b) => b.manifest.id);
    const mineBefore = (await mine.list()).map((b) => b.manifest.id);
    // Mine now has more dailies than the keep count of 1; theirs has exactly one.
    const { removed, kept } = await mine.prune();
    expect(removed.length).toBeGreaterThan(0);
    for (const entry of removed) expect(mineBefore).toContain(entry.id);
    expect(kept).toEqual(expect.arrayContaining([newest.id, ...theirIds]));
    expect((await theirs.list()).map((b) => b.manifest.id)).toEqual(theirIds);
    const onlyDaily = (await mine.list()).filter((b) => b.manifest.tiers.join() === 'daily');
    expect(onlyDaily.map((b) => b.manifest.id)).toEqual([newest.id]);
  });

  it("a team is never restored from another database's backup", async () => {
    const theirs = await serviceOf(otherUrl).run(['daily']);
    const teams = await suite.app.sql<{ n: number }>('SELECT count(*)::int AS n FROM teams');
    await expect(
      restoreTeam(await serviceOf(otherUrl).get(theirs.id), keys(key), suite.seeded.team.id, {
        dataSource: suite.app.app.services.dataSource,
        bus: suite.app.app.services.bus,
      }),
    ).rejects.toThrow(/is of database ".+" \(system \d+\), not of this database/);
    expect(await suite.app.sql('SELECT count(*)::int AS n FROM teams')).toEqual(teams);
  });
});

describe('BACKUP_DIR default', () => {
  const base = { DATA_DIR: '.data' };
  it('is one folder per database, so switching DATABASE_URL never mixes them', () => {
    const a = backupDir({ ...base, DATABASE_URL: 'postgres://u@db.example:5432/teamgraph' });
    const b = backupDir({ ...base, DATABASE_URL: 'postgres://u@db.example:5432/staging' });
    const c = backupDir({ ...base, DATABASE_URL: 'postgres://u@other.example/teamgraph' });
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toBe('.data/backups/db.example-5432-teamgraph');
    expect(backupDir(base)).toBe('.data/backups/embedded');
    expect(backupDir({ ...base, BACKUP_DIR: '/srv/backups' })).toBe('/srv/backups');
    expect(backupDir({ ...base, DATABASE_URL: 'postgres://u@h/../../etc' })).not.toMatch(/\.\./);
  });
});

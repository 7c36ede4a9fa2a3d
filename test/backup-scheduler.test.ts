import { Client } from 'pg';
import { backupStatus } from '../src/backup/backup-status';
import type { StoredBackup } from '../src/backup/backup-store';
import { BackupScheduler, dueTiers } from '../src/backup/scheduler';
import {
  backupService,
  databaseUrlOf,
  seedTeam,
  tempBackupDir,
  testKey,
} from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';

const schedules = { daily: '0 2 * * *', weekly: '0 2 * * 0', monthly: '0 2 1 * *' };
const stored = (createdAt: string, tiers: StoredBackup['manifest']['tiers']) =>
  ({ manifest: { createdAt, tiers }, dir: '' }) as unknown as StoredBackup;

describe('dueTiers', () => {
  // 2026-11-25 is a Wednesday; 2026-11-22 a Sunday; 2026-11-01 a Sunday and the 1st.
  const wednesday = new Date('2026-11-25T10:00:00Z');

  it('with no backups at all, every tier is due', () => {
    expect(dueTiers(schedules, [], wednesday)).toEqual(['daily', 'weekly', 'monthly']);
  });

  it('a run missed at 02:00 stays due until a backup covers it', () => {
    const backups = [stored('2026-11-24T02:00:05Z', ['daily', 'weekly', 'monthly'])];
    expect(dueTiers(schedules, backups, wednesday)).toEqual(['daily']);
    expect(dueTiers(schedules, backups, new Date('2026-11-25T01:59:59Z'))).toEqual([]);
    expect(
      dueTiers(schedules, [...backups, stored('2026-11-25T09:00:00Z', ['daily'])], wednesday),
    ).toEqual([]);
  });

  it('weekly and monthly are due after their own dates, covered only by backups of their tier', () => {
    const dailyOnly = [stored('2026-11-25T02:00:01Z', ['daily'])];
    expect(dueTiers(schedules, dailyOnly, wednesday)).toEqual(['weekly', 'monthly']);
    const covered = [
      ...dailyOnly,
      stored('2026-11-22T02:00:00Z', ['weekly']),
      stored('2026-11-01T02:00:00Z', ['monthly']),
    ];
    expect(dueTiers(schedules, covered, wednesday)).toEqual([]);
  });

  it('on a Sunday the 1st at 02:00 the three tiers fall due together', () => {
    const backups = [stored('2026-10-31T02:00:00Z', ['daily', 'weekly', 'monthly'])];
    expect(dueTiers(schedules, backups, new Date('2026-11-01T02:00:00Z'))).toEqual([
      'daily',
      'weekly',
      'monthly',
    ]);
  });
});

describe('BackupScheduler', () => {
  const suite = useBackupSuite(seedTeam);
  const key = testKey();
  const dirs: { remove(): void }[] = [];
  const newDir = () => {
    const dir = tempBackupDir();
    dirs.push(dir);
    return dir.dir;
  };

  afterAll(() => {
    for (const dir of dirs) dir.remove();
  });

  const scheduler = (dir: string, clock: () => Date) =>
    new BackupScheduler(backupService(databaseUrlOf(suite.app), dir, key, { now: clock }), {
      schedules,
      pruneSchedule: '30 * * * *',
    });

  it('catches up at start: down at 02:00, backs up when it comes back, once', async () => {
    const dir = newDir();
    let now = new Date('2026-11-23T02:00:00Z');
    const clock = () => now;
    const first = scheduler(dir, clock);
    const initial = await first.start();
    // Nothing existed: one snapshot serves every tier.
    expect(initial.status).toBe('ran');
    expect(initial.status === 'ran' && initial.manifest.tiers).toEqual([
      'daily',
      'monthly',
      'weekly',
    ]);
    await first.stop();

    // Down through Wednesday 02:00; started again at 10:00.
    now = new Date('2026-11-25T10:00:00Z');
    const second = scheduler(dir, clock);
    const caughtUp = await second.start();
    expect(caughtUp.status === 'ran' && caughtUp.manifest.tiers).toEqual(['daily']);
    expect(caughtUp.status === 'ran' && caughtUp.manifest.createdAt).toBe(
      '2026-11-25T10:00:00.000Z',
    );
    expect((await second.tick()).status).toBe('not-due');
    now = new Date('2026-11-26T01:59:00Z');
    expect((await second.tick()).status).toBe('not-due');
    now = new Date('2026-11-26T02:00:00Z');
    expect((await second.tick()).status).toBe('ran');
    await second.stop();
    const list = await backupService(databaseUrlOf(suite.app), dir, key).list();
    expect(list.map((b) => b.manifest.createdAt)).toEqual([
      '2026-11-26T02:00:00.000Z',
      '2026-11-25T10:00:00.000Z',
      '2026-11-23T02:00:00.000Z',
    ]);
  });

  it('two schedulers started together produce exactly one backup', async () => {
    const dir = newDir();
    const clock = () => new Date('2026-11-25T10:00:00Z');
    const a = scheduler(dir, clock);
    const b = scheduler(dir, clock);
    const results = await Promise.all([a.start(), b.start()]);
    expect(results.map((r) => r.status).sort()).toEqual(expect.arrayContaining(['ran']));
    expect(results.filter((r) => r.status === 'ran')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'failed')).toHaveLength(0);
    await Promise.all([a.tick(), b.tick(), a.tick()]);
    expect(await backupService(databaseUrlOf(suite.app), dir, key).list()).toHaveLength(1);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('skips while another instance holds the lock, and runs once it is released', async () => {
    const dir = newDir();
    const other = new Client({ connectionString: databaseUrlOf(suite.app) });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(hashtext('teamgraph.backup'))`);
      const s = scheduler(dir, () => new Date('2026-11-25T10:00:00Z'));
      expect((await s.tick()).status).toBe('locked');
      expect(await backupService(databaseUrlOf(suite.app), dir, key).list()).toEqual([]);
      await other.query(`SELECT pg_advisory_unlock(hashtext('teamgraph.backup'))`);
      expect((await s.tick()).status).toBe('ran');
      await s.stop();
    } finally {
      await other.end();
    }
  });

  it('status reports staleness after 26 hours', async () => {
    const dir = newDir();
    const service = backupService(databaseUrlOf(suite.app), dir, key, {
      now: () => new Date('2026-11-25T02:00:00Z'),
    });
    const status = async (at: string) =>
      backupStatus(await service.identity(), await service.list(), new Date(at));
    expect((await status('2026-11-25T03:00:00Z')).stale).toBe(true);
    await service.run(['daily']);
    const fresh = await status('2026-11-26T04:00:00Z');
    expect(fresh).toMatchObject({ stale: false, count: 1, ageSeconds: 26 * 3600 });
    const stale = await status('2026-11-26T04:00:01Z');
    expect(stale.stale).toBe(true);
  });
});

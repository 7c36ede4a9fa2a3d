import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BackupScheduler } from '../src/backup/scheduler';
import { planPrune, type RetentionCandidate } from '../src/backup/retention';
import { ConfigError, loadConfig } from '../src/config/config';
import { backupService, seedTeam, testKey } from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';

const DAY = 24 * 3600 * 1000;
const T0 = new Date('2026-11-01T02:00:00Z');
const at = (days: number, hours = 0) => new Date(T0.getTime() + days * DAY + hours * 3600 * 1000);
const policy = { keep: { daily: 7, weekly: 4, monthly: 1 }, maxAgeMs: 31 * DAY };
const candidate = (
  id: string,
  createdAt: Date,
  tiers: RetentionCandidate['tiers'],
): RetentionCandidate => ({
  id,
  createdAt,
  tiers,
});

describe('planPrune', () => {
  it('keeps the newest N of each tier; a backup serving several tiers survives if any keeps it', () => {
    const backups = Array.from({ length: 10 }, (_, day) =>
      candidate(
        `d${day}`,
        at(day),
        day === 0 ? ['daily', 'monthly'] : day % 7 === 0 ? ['daily', 'weekly'] : ['daily'],
      ),
    );
    const plan = planPrune(backups, at(10), {
      ...policy,
      keep: { daily: 3, weekly: 4, monthly: 1 },
    });
    expect(plan.keep.sort()).toEqual(['d0', 'd7', 'd8', 'd9']);
    expect(plan.remove.map((r) => r.id).sort()).toEqual(['d1', 'd2', 'd3', 'd4', 'd5', 'd6']);
  });

  it('removes anything older than 31 days, even the only backup of a tier and even when nothing newer exists', () => {
    const plan = planPrune(
      [candidate('old-monthly', at(0), ['monthly']), candidate('old-daily', at(1), ['daily'])],
      at(32, 1),
      policy,
    );
    expect(plan.keep).toEqual([]);
    expect(plan.remove.map((r) => r.id).sort()).toEqual(['old-daily', 'old-monthly']);
    expect(plan.remove[0].reason).toMatch(/older than 744 h/);
  });

  it('keeps a backup exactly 31 days old and removes it a millisecond later', () => {
    const backups = [candidate('edge', at(0), ['monthly'])];
    expect(planPrune(backups, at(31), policy).keep).toEqual(['edge']);
    expect(planPrune(backups, new Date(at(31).getTime() + 1), policy).keep).toEqual([]);
  });

  it('never honours a maximum age above 31 days, whatever it is given', () => {
    const plan = planPrune([candidate('old', at(0), ['monthly'])], at(40), {
      ...policy,
      maxAgeMs: 365 * DAY,
    });
    expect(plan.remove.map((r) => r.id)).toEqual(['old']);
  });

  it('removes backups claiming to be from the future (a wrong clock must not make them immortal)', () => {
    const plan = planPrune([candidate('future', at(40), ['monthly'])], at(0), policy);
    expect(plan.remove).toEqual([{ id: 'future', reason: 'created in the future' }]);
  });
});

describe('retention on disk, with a fake clock', () => {
  const suite = useBackupSuite(seedTeam);
  const key = testKey();
  let now = at(0);
  const clock = () => now;

  it('leaves no backup older than 31 days even when every recent backup failed', async () => {
    const service = suite.service(key, { now: clock });
    for (const day of [0, 1, 2]) {
      now = at(day);
      await service.run(['daily', 'weekly', 'monthly']);
    }
    expect(await service.list()).toHaveLength(3);
    // Files touched recently: age must come from the manifest, not from mtimes.
    for (const name of readdirSync(suite.storage.dir))
      utimesSync(path.join(suite.storage.dir, name), new Date(), new Date());

    // From day 3 on, the database is gone: every backup fails, the scheduler keeps pruning.
    const dead = backupService('postgres://postgres@127.0.0.1:1/gone', suite.storage.dir, key, {
      now: clock,
    });
    const scheduler = new BackupScheduler(dead, {
      schedules: { daily: '0 2 * * *', weekly: '0 2 * * 0', monthly: '0 2 1 * *' },
      pruneSchedule: '30 * * * *',
    });
    now = at(31, 12);
    expect((await scheduler.tick()).status).toBe('failed');
    await scheduler.prune();
    expect((await dead.listAll()).map((b) => b.manifest.createdAt)).toEqual([
      at(2).toISOString(),
      at(1).toISOString(),
    ]);

    now = at(33, 1);
    expect((await scheduler.tick()).status).toBe('failed');
    await scheduler.prune();
    expect(await dead.listAll()).toEqual([]);
    await scheduler.stop();
  });

  it('keeps a recent backup whose files look ancient, and honours keep counts by manifest time', async () => {
    const service = suite.service(key, {
      now: clock,
      keep: { daily: 2 },
    });
    const ids: string[] = [];
    for (const day of [40, 41, 42]) {
      now = at(day);
      ids.push((await service.run(['daily'])).id);
    }
    const ancient = new Date('2001-01-01T00:00:00Z');
    for (const id of ids) utimesSync(path.join(suite.storage.dir, id), ancient, ancient);
    now = at(42, 5);
    const { removed, kept } = await service.prune();
    expect(kept).toEqual([ids[2], ids[1]]);
    expect(removed.map((r) => r.id)).toEqual([ids[0]]);
    expect(readdirSync(suite.storage.dir).sort()).toEqual([ids[1], ids[2]].sort());
  });

  it('removes damaged backups and abandoned writes, and leaves files that are not ours alone', async () => {
    now = at(42, 6);
    const service = suite.service(key, {
      now: clock,
      keep: { daily: 2 },
    });
    const damaged = path.join(suite.storage.dir, '20261101T020000Z-abcdef');
    mkdirSync(damaged);
    writeFileSync(path.join(damaged, 'manifest.json'), '{"format":1,');
    const abandoned = path.join(suite.storage.dir, '.tmp-20261101T020000Z-abcdef-0123abcd');
    mkdirSync(abandoned);
    writeFileSync(path.join(abandoned, 'users.copy.gz.enc'), 'partial');
    utimesSync(abandoned, new Date(Date.now() - DAY), new Date(Date.now() - DAY));
    writeFileSync(path.join(suite.storage.dir, 'README.txt'), 'operator notes');

    const { removed, kept } = await service.prune();
    expect(kept).toHaveLength(2);
    expect(removed.map((r) => r.id).sort()).toEqual([
      '.tmp-20261101T020000Z-abcdef-0123abcd',
      '20261101T020000Z-abcdef',
    ]);
    expect(readdirSync(suite.storage.dir)).toContain('README.txt');
    expect(readdirSync(suite.storage.dir)).not.toContain('20261101T020000Z-abcdef');
  });
});

describe('backup configuration', () => {
  const base = { NODE_ENV: 'development' };

  it('defaults to 31 days, daily at 02:00 UTC, and accepts shorter ages', () => {
    const config = loadConfig(base);
    expect(config.BACKUP_MAX_AGE).toBe(31 * DAY);
    expect(config.BACKUP_DAILY_CRON).toBe('0 2 * * *');
    expect(config.BACKUP_DIR).toBeUndefined();
    expect(loadConfig({ ...base, BACKUP_MAX_AGE: '14d' }).BACKUP_MAX_AGE).toBe(14 * DAY);
  });

  it('refuses a maximum age above 31 days', () => {
    expect(() => loadConfig({ ...base, BACKUP_MAX_AGE: '32d' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, BACKUP_MAX_AGE: '32d' })).toThrow(
      /BACKUP_MAX_AGE: cannot exceed 31d/,
    );
    expect(() => loadConfig({ ...base, BACKUP_MAX_AGE: String(32 * 24 * 3600) })).toThrow(
      /cannot exceed 31d/,
    );
  });

  it('refuses a production server that would schedule backups without an encryption key', () => {
    const production = {
      NODE_ENV: 'production',
      TOTP_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
      CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 9).toString('base64'),
    };
    expect(() => loadConfig(production)).toThrow(
      /BACKUP_ENCRYPTION_KEY: required when NODE_ENV=production: the backup scheduler does not write unencrypted backups/,
    );
    // Without the scheduler the server starts; the scheduler itself still refuses (see the CLI worker test).
    expect(
      loadConfig({ ...production, BACKUP_SCHEDULER: 'off' }).BACKUP_ENCRYPTION_KEY,
    ).toBeUndefined();
    const key = testKey();
    expect(
      loadConfig({ ...production, BACKUP_ENCRYPTION_KEY: key.toString('base64') })
        .BACKUP_ENCRYPTION_KEY,
    ).toEqual(key);
  });

  it('refuses a key that is not 32 bytes of base64, without echoing it', () => {
    const shortKey = testKey().subarray(0, 16).toString('base64');
    let message = '';
    try {
      loadConfig({ ...base, BACKUP_ENCRYPTION_KEY: shortKey });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/BACKUP_ENCRYPTION_KEY: must be 32 bytes in base64/);
    expect(message).not.toContain(shortKey);
  });

  it('refuses a cron expression that does not parse and a keep count below 1', () => {
    expect(() => loadConfig({ ...base, BACKUP_DAILY_CRON: 'every day' })).toThrow(
      /BACKUP_DAILY_CRON: is not a cron/,
    );
    expect(() => loadConfig({ ...base, BACKUP_KEEP_DAILY: '0' })).toThrow(/BACKUP_KEEP_DAILY/);
  });
});

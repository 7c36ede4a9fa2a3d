import { progressDisplay } from '../src/cli/progress-display';
import { runBackupCommand } from '../src/cli/backup-command';
import { APP_TABLES, databaseUrlOf, seedTeam } from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';

const terminal = (isTTY: boolean) => {
  const written: string[] = [];
  return { written, isTTY, write: (text: string) => void written.push(text) };
};

describe('progress display', () => {
  it('on a terminal redraws rows, bytes, %, rate and ETA of each table in flight', () => {
    let now = 0;
    const tty = terminal(true);
    const progress = progressDisplay(tty, () => now);
    const items = progress.start('items', 1000);
    now = 1000;
    items.advance(250, 2 * 2 ** 20);
    const line = tty.written.at(-1)!;
    expect(line.startsWith('\r\x1b[K')).toBe(true);
    expect(line).toContain('items 25% 250/1000 rows 2.0 MiB 2.0 MiB/s ETA 3 s');
    // Redraws are throttled: a burst of chunks draws once.
    const count = tty.written.length;
    items.advance(260, 2.1 * 2 ** 20);
    expect(tty.written.length).toBe(count);
    now = 2000;
    items.done(1000, 4 * 2 ** 20);
    expect(tty.written.join('')).toContain('items: 1000 rows, 4.0 MiB in 2.0 s (2.0 MiB/s)\n');
  });

  it('off a terminal prints one line per finished table, nothing else', () => {
    let now = 0;
    const pipe = terminal(false);
    const progress = progressDisplay(pipe, () => now);
    const a = progress.start('users', 10);
    const b = progress.start('items', 10);
    a.advance(5, 100);
    now = 500;
    a.done(10, 200);
    b.advance(3, 50);
    b.done(10, 100);
    expect(pipe.written).toEqual([
      'users: 10 rows, 0.0 MiB in 0.5 s (0.0 MiB/s)\n',
      'items: 10 rows, 0.0 MiB in 0.5 s (0.0 MiB/s)\n',
    ]);
  });
});

describe('backup run, restore and verify report per table; --json stays parseable', () => {
  const suite = useBackupSuite(seedTeam);

  it('prints one progress line per table off a terminal, the manifest as JSON on stdout', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const pipe = terminal(false);
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrlOf(suite.app),
      BACKUP_DIR: suite.storage.dir,
    };
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), progress: pipe };
    expect(await runBackupCommand(['run', '--json'], env, io)).toBe(0);
    const manifest = JSON.parse(out.join('\n')) as { id: string; tables: { name: string }[] };
    expect(manifest.tables.map((t) => t.name).sort()).toEqual([...APP_TABLES].sort());
    const lines = pipe.written.join('').trim().split('\n');
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual([...APP_TABLES].sort());
    for (const line of lines) expect(line).toMatch(/^\w+: \d+ rows, [\d.]+ MiB in [\d.]+ s/);

    pipe.written.length = 0;
    out.length = 0;
    expect(await runBackupCommand(['verify', manifest.id, '--json'], env, io)).toBe(0);
    expect((JSON.parse(out.join('\n')) as { ok: boolean }).ok).toBe(true);
    expect(pipe.written).toHaveLength(APP_TABLES.length);
    expect(err).toEqual([]);
  });
});

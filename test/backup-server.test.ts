import { backupService, databaseUrlOf, tempBackupDir, testKey } from './support/backup-fixtures';
import { waitUntil } from './support/wait-until';
import { startTestApp } from './support/test-app';

// Its own file: the backup metrics are process-wide, and other suites set them with fake clocks.
describe('the server runs the scheduler', () => {
  it('backs up at start when nothing is on disk, exposes metrics, and stops cleanly', async () => {
    const dir = tempBackupDir();
    const served = await startTestApp({
      BACKUP_SCHEDULER: 'on',
      BACKUP_DIR: dir.dir,
      BACKUP_ENCRYPTION_KEY: testKey().toString('base64'),
    });
    try {
      const service = backupService(databaseUrlOf(served), dir.dir, undefined);
      const metricsText = async () => (await fetch(new URL('/metrics', served.url))).text();
      let metrics = '';
      await waitUntil(async () => {
        metrics = await metricsText();
        return /teamgraph_backup_last_success_timestamp_seconds [1-9]/.test(metrics);
      }, 'the first backup to be reported in /metrics');
      const [backup] = await service.list();
      expect(backup.manifest.tiers).toEqual(['daily', 'monthly', 'weekly']);
      expect(backup.manifest.encrypted).toBe(true);
      const seconds = Number(
        /^teamgraph_backup_last_success_timestamp_seconds (\S+)$/m.exec(metrics)?.[1],
      );
      expect(seconds).toBeCloseTo(new Date(backup.manifest.createdAt).getTime() / 1000, 0);
      expect(metrics).toMatch(/^teamgraph_backup_stale 0$/m);
      expect(metrics).toMatch(/^teamgraph_backup_last_size_bytes [1-9]\d*$/m);
      // Backups do not affect readiness.
      expect((await fetch(new URL('/readyz', served.url))).status).toBe(200);
    } finally {
      await served.stop();
      dir.remove();
    }
  });
});

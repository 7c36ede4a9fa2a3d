import { Cron } from 'croner';
import { noteBackupSuccess } from './backup-metrics';
import type { BackupService } from './backup-service';
import type { StoredBackup } from './backup-store';
import type { BackupManifest } from './manifest';
import { TIERS, type Tier } from './tiers';

export interface SchedulerOptions {
  schedules: Record<Tier, string>;
  pruneSchedule: string;
  /** After a failure, or while another instance holds the lock, look again this much later. */
  retryMs?: number;
}

export type TickResult =
  | { status: 'ran'; manifest: BackupManifest }
  | { status: 'not-due' }
  | { status: 'locked' }
  | { status: 'failed'; error: unknown };

/**
 * The tiers whose most recent scheduled time (at or before `now`) has no backup of that tier
 * taken at or after it. Missed runs therefore stay due until a backup covers them (catch-up).
 */
export function dueTiers(
  schedules: Record<Tier, string>,
  backups: StoredBackup[],
  now: Date,
): Tier[] {
  const due: Tier[] = [];
  for (const tier of TIERS) {
    const cron = new Cron(schedules[tier], { timezone: 'UTC', paused: true });
    const [last] = cron.previousRuns(1, new Date(now.getTime() + 1));
    cron.stop();
    if (!last) continue;
    const covered = backups.some(
      ({ manifest }) =>
        manifest.tiers.includes(tier) && new Date(manifest.createdAt).getTime() >= last.getTime(),
    );
    if (!covered) due.push(tier);
  }
  return due;
}

/**
 * Runs backups when their tiers are due (one snapshot for every tier due at once) and prunes on
 * its own schedule. At start it prunes and catches up on missed runs. Time comes from the
 * service's `now`, so tests drive it with a fake clock through `tick()` and `prune()`.
 */
export class BackupScheduler {
  private jobs: Cron[] = [];
  private running: Promise<TickResult> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly service: BackupService,
    private readonly options: SchedulerOptions,
  ) {}

  /** Prunes, catches up, then follows the cron schedules. Resolves when the catch-up is done. */
  async start(): Promise<TickResult> {
    const newest = (await this.service.list().catch(() => []))[0];
    if (newest) noteBackupSuccess(new Date(newest.manifest.createdAt));
    await this.prune();
    const first = await this.tick();
    if (this.stopped) return first;
    for (const tier of TIERS) {
      this.jobs.push(
        new Cron(this.options.schedules[tier], { timezone: 'UTC', protect: true }, () => {
          void this.tick();
        }),
      );
    }
    this.jobs.push(
      new Cron(this.options.pruneSchedule, { timezone: 'UTC', protect: true }, () => {
        void this.prune();
      }),
    );
    return first;
  }

  /** Retention on its own: runs whether or not backups succeed, and never throws. */
  async prune(): Promise<void> {
    try {
      await this.service.prune();
    } catch (error) {
      this.service.logger.error({ err: error }, 'backup retention failed');
    }
  }

  /** Backs up the due tiers unless another instance is doing it; never throws. */
  tick(): Promise<TickResult> {
    // Crons for several tiers fire together: they share one run.
    this.running ??= this.runDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runDue(): Promise<TickResult> {
    if (this.stopped) return { status: 'not-due' };
    let result: TickResult;
    try {
      const outcome = await this.service.withLock(false, async (client) => {
        // Decided under the lock: a backup another instance just finished counts.
        const tiers = dueTiers(
          this.options.schedules,
          await this.service.list(),
          this.service.now(),
        );
        if (!tiers.length) return undefined;
        return this.service.snapshot(client, tiers, { signal: this.abort.signal });
      });
      if (!outcome) result = { status: 'locked' };
      else if (!outcome.value) result = { status: 'not-due' };
      else result = { status: 'ran', manifest: outcome.value };
    } catch (error) {
      // Logged and counted by the service.
      result = { status: 'failed', error };
    }
    if (result.status === 'ran') await this.prune();
    if ((result.status === 'locked' || result.status === 'failed') && !this.stopped)
      this.scheduleRetry();
    return result;
  }

  private scheduleRetry(): void {
    if (this.retry) return;
    this.retry = setTimeout(
      () => {
        this.retry = undefined;
        void this.tick();
      },
      this.options.retryMs ?? 10 * 60 * 1000,
    );
    this.retry.unref();
  }

  /** Stops the schedules and aborts a running backup (its temporary files are removed). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs) job.stop();
    this.jobs = [];
    if (this.retry) clearTimeout(this.retry);
    this.abort.abort();
    await this.running;
  }
}

/** Environment of a production-mode test server (backups unscheduled: test only). */
export const PRODUCTION_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  RATE_LIMITS: 'on',
  BACKUP_SCHEDULER: 'off',
  // Stopped as soon as the test is done; the drain period is tested where it is set.
  SHUTDOWN_DRAIN: '0',
  // Two-factor secrets are stored sealed with it; production refuses to start without one.
  TOTP_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
  // The log's checkpoints are signed with it; production refuses to start without one.
  CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 9).toString('base64'),
};

/** Environment of a production-mode test server (backups unscheduled: test only). */
export const PRODUCTION_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  RATE_LIMITS: 'on',
  BACKUP_SCHEDULER: 'off',
};

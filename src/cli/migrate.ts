import { loadConfigOrReport } from '../config/config';
import { createLogger } from '../logging/logger';
import type { CliIo } from './backup-command';
import { withMigratedDatabase } from './with-database';

export const MIGRATE_USAGE = `usage: teamgraph migrate
  Applies pending migrations to DATABASE_URL (or the embedded database when it is unset) and
  exits. The server also does this at start unless MIGRATE_ON_START=off.`;

/** `teamgraph migrate` (`npm run migrate`). Exit 0 done, 2 configuration or database problem. */
export async function runMigrate(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  if (argv.length) {
    const help = argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h');
    (help ? io.out : io.err)(MIGRATE_USAGE);
    return help ? 0 : 2;
  }
  const config = loadConfigOrReport(io.err, env);
  if (!config) return 2;
  // Progress lines go to stderr as JSON; stdout gets the one result line.
  const logger = createLogger(config.LOG_LEVEL, { component: 'migrate' }, process.stderr);
  return withMigratedDatabase(config, logger, io, async (dataSource) => {
    const [{ count }] = (await dataSource.query(
      `SELECT count(*)::int AS count FROM migrations`,
    )) as { count: number }[];
    io.out(`Database schema is up to date (${count} migrations applied).`);
    return 0;
  });
}

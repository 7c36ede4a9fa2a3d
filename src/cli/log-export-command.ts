import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ActivityProofs } from '../activity/activity-proofs';
import { exportTeamLog } from '../activity/log-export';
import { loadConfigOrReport } from '../config/config';
import { createLogger } from '../logging/logger';
import { isUuid } from '../validation/ids';
import type { CliIo } from './backup-command';
import { withMigratedDatabase } from './with-database';

export const LOG_EXPORT_USAGE = `usage: teamgraph log export --team <id> [--size N] [--out <file>]
  Writes the team's log as a teamgraph-log-export/v1 JSON file (docs/log-verification.md):
  rows 1..N, the signed checkpoint of size N (the newest checkpoint when --size is not given;
  one is signed now if none was stored for that size) and every signing key. Reads the
  database (DATABASE_URL, or the embedded one). Without --out, the JSON goes to stdout.
  Exit 0 written, 1 no such team or size, 2 usage or configuration problem.`;

/** `teamgraph log export`: the file an outsider verifies with `teamgraph log verify`. */
export async function runLogExport(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  let options: { team?: string; size?: string; out?: string; help?: boolean };
  try {
    options = parseArgs({
      args: argv,
      options: {
        team: { type: 'string' },
        size: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    io.err(`teamgraph log export: ${(error as Error).message}`);
    io.err(LOG_EXPORT_USAGE);
    return 2;
  }
  if (options.help) {
    io.out(LOG_EXPORT_USAGE);
    return 0;
  }
  const size = options.size === undefined ? undefined : Number(options.size);
  if (
    !options.team ||
    !isUuid(options.team) ||
    (size !== undefined && !(Number.isInteger(size) && size >= 1))
  ) {
    io.err(
      !options.team || !isUuid(options.team)
        ? 'teamgraph log export: --team must be a team id (a UUID)'
        : 'teamgraph log export: --size must be a whole number from 1',
    );
    io.err(LOG_EXPORT_USAGE);
    return 2;
  }
  const teamId = options.team.toLowerCase();
  const config = loadConfigOrReport(io.err, env);
  if (!config) return 2;
  const logger = createLogger(
    config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    { component: 'log-export' },
    process.stderr,
  );
  return withMigratedDatabase(config, logger, io, async (dataSource) => {
    const [team]: { last_seq: number }[] = await dataSource.query(
      `SELECT last_seq FROM teams WHERE id = $1`,
      [teamId],
    );
    if (!team?.last_seq) {
      io.err(`teamgraph log export: there is no team ${teamId} with activity`);
      return 1;
    }
    if (size !== undefined && size > team.last_seq) {
      io.err(
        `teamgraph log export: the log of team ${teamId} has ${team.last_seq} rows, not ${size}`,
      );
      return 1;
    }
    const lines = exportTeamLog(dataSource, new ActivityProofs(dataSource), teamId, size);
    if (!options.out) {
      for await (const line of lines) io.out(line);
      return 0;
    }
    // Written whole under another name, then renamed: a reader never sees half an export.
    const draft = `${options.out}.${process.pid}.partial`;
    const file = createWriteStream(draft, { mode: 0o600 });
    try {
      for await (const line of lines) {
        if (!file.write(`${line}\n`)) await once(file, 'drain');
      }
      file.end();
      await once(file, 'finish');
      await rename(draft, options.out);
    } catch (error) {
      file.destroy();
      await rm(draft, { force: true });
      throw error;
    }
    io.out(`Wrote the log of team ${teamId} to ${options.out}.`);
    return 0;
  });
}

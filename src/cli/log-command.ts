import type { CliIo } from './backup-command';
import { LOG_EXPORT_USAGE, runLogExport } from './log-export-command';

export const LOG_USAGE = `usage: teamgraph log <command>
  export --team <id> [--size N] [--out <file>]   write a team's log with its signed checkpoint

${LOG_EXPORT_USAGE}`;

/** `teamgraph log …`: the team log's tools. */
export async function runLogCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'export') return runLogExport(rest, env, io);
  if (command === '--help' || command === '-h') {
    io.out(LOG_USAGE);
    return 0;
  }
  if (command) io.err(`teamgraph log: unknown command "${command}"`);
  io.err(LOG_USAGE);
  return 2;
}

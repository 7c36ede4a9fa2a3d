import type { CliIo } from './backup-command';
import { LOG_EXPORT_USAGE, runLogExport } from './log-export-command';
import { LOG_VERIFY_USAGE, runLogVerify } from './log-verify-command';

export const LOG_USAGE = `usage: teamgraph log <command>
  export --team <id> [--size N] [--out <file>]                   write a team's log with its signed checkpoint
  verify <export.json> [--key <keyId>=<base64 public key> ...]   check an export offline

${LOG_EXPORT_USAGE}

${LOG_VERIFY_USAGE}`;

/** `teamgraph log …`: the team log's tools. */
export async function runLogCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'export') return runLogExport(rest, env, io);
  if (command === 'verify') return runLogVerify(rest, io);
  if (command === '--help' || command === '-h') {
    io.out(LOG_USAGE);
    return 0;
  }
  if (command) io.err(`teamgraph log: unknown command "${command}"`);
  io.err(LOG_USAGE);
  return 2;
}

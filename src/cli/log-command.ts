import type { CliIo } from './backup-command';
import { LOG_VERIFY_USAGE, runLogVerify } from './log-verify-command';

export const LOG_USAGE = `usage: teamgraph log <command>
  verify <export.json> [--key <keyId>=<base64 public key> ...]   check an export offline

${LOG_VERIFY_USAGE}`;

/** `teamgraph log …`: the team log's offline tools. */
export async function runLogCommand(
  argv: string[],
  _env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'verify') return runLogVerify(rest, io);
  if (command === '--help' || command === '-h') {
    io.out(LOG_USAGE);
    return 0;
  }
  if (command) io.err(`teamgraph log: unknown command "${command}"`);
  io.err(LOG_USAGE);
  return 2;
}

// First: tracing patches `http` and `pg` as they load (src/tracing/start-first.ts).
import { startedTracing } from '../tracing/start-first';
import type { CliIo } from './backup-command';

const USAGE = `usage: teamgraph <command> [options]

commands:
  migrate    apply pending database migrations and exit
  seed       create a demo team and print a session token for the playground
  backup     take, list, verify, restore and prune backups (teamgraph backup --help)
  log        export a team's log with its signed checkpoint, or check an export offline (teamgraph log --help)

  teamgraph <command> --help   usage of one command
The server itself starts with \`npm start\` (node dist/src/main.js). Every command reads the
server's environment (DATABASE_URL, ...; see docs/operations.md, Configuration).`;

type Command = (argv: string[], env: NodeJS.ProcessEnv, io: CliIo) => Promise<number>;

/*
 * Each command's module loads only when that command runs: a backup has no use for the seed's
 * or the log export's modules, and an operator's command (or a backup job) starts sooner.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, () => Command> = {
  migrate: () => (require('./migrate') as typeof import('./migrate')).runMigrate,
  seed: () => (require('./seed') as typeof import('./seed')).runSeed,
  backup: () => (require('./backup-command') as typeof import('./backup-command')).runBackupCommand,
  log: () => (require('./log-command') as typeof import('./log-command')).runLogCommand,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The command of that name; none for any other word, `constructor` and `__proto__` included. */
const commandNamed = (name: string | undefined): (() => Command) | undefined =>
  name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;

/** `teamgraph <command> …` (bin/teamgraph.js): operator commands beside the server. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    const named = command === 'help' ? commandNamed(rest[0]) : undefined;
    if (named) return named()(['--help'], env, io);
    io.out(USAGE);
    return 0;
  }
  const run = commandNamed(command);
  if (!run) {
    if (command) io.err(`teamgraph: unknown command "${command}"`);
    io.err(USAGE);
    return 2;
  }
  return run()(rest, env, io);
}

/** The process entry (bin/teamgraph.js, `npm run migrate|seed|backup`). */
export function main(): void {
  if (startedTracing.error) {
    console.error(startedTracing.error);
    process.exitCode = 2;
    return;
  }
  runCli(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    // Backup progress is drawn on stderr.
    progress: process.stderr,
  })
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error) => {
        console.error(error);
        process.exitCode = 1;
      },
    )
    // A backup run's spans are exported before the process ends.
    .finally(() => startedTracing.tracing?.shutdown());
}

if (require.main === module) main();

import { runBackupCommand } from './backup-command';

const USAGE = `usage: teamgraph backup <run|list|verify|restore|prune|worker|status> [options]
  teamgraph backup --help   for the backup commands`;

/** `teamgraph <command> …` (bin/teamgraph.js): operator commands beside the server. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'backup') {
    return runBackupCommand(rest, process.env, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      progress: process.stderr,
    });
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);

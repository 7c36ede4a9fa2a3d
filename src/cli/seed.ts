import 'reflect-metadata';
import { loadConfigOrReport } from '../config/config';
import { InMemoryEventBus } from '../events/in-memory-event-bus';
import { createLogger } from '../logging/logger';
import { RateLimits } from '../rate-limit/rate-limits';
import { composeServices } from '../composition-root';
import type { CliIo } from './backup-command';
import { DEMO_PASSWORD, DEMO_TEAM, PEOPLE, seedDemo } from './seed-demo';
import { withMigratedDatabase } from './with-database';

export const SEED_USAGE = `usage: teamgraph seed
  Creates a demo team (four accounts, items, activity) in DATABASE_URL (or the embedded
  database) unless it is there already, and prints a fresh session token of its owner to paste
  into the playground. Safe to run again.`;

/** `teamgraph seed` (`npm run seed`). Exit 0 done, 2 configuration or database problem. */
export async function runSeed(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  if (argv.length) {
    const help = argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h');
    (help ? io.out : io.err)(SEED_USAGE);
    return help ? 0 : 2;
  }
  const config = loadConfigOrReport(io.err, env);
  if (!config) return 2;
  const logger = createLogger(
    config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    { component: 'seed' },
    process.stderr,
  );
  return withMigratedDatabase(config, logger, io, async (dataSource) => {
    const bus = new InMemoryEventBus();
    const services = composeServices({
      config,
      dataSource,
      bus,
      closeBus: () => bus.close(),
      logger,
      rateLimits: new RateLimits(false),
    });
    try {
      const seeded = await seedDemo(services);
      io.out(
        seeded.created
          ? `Demo team "${DEMO_TEAM}" created with members, items and activity.`
          : `Demo team "${DEMO_TEAM}" already there; nothing changed but a new session.`,
      );
      io.out(`Team id: ${seeded.teamId}`);
      io.out(`Accounts (password of the ones seed created: ${DEMO_PASSWORD}):`);
      for (const person of PEOPLE) io.out(`  ${person.role.padEnd(6)}  ${person.email}`);
      io.out(`A session for ${PEOPLE[0].email} — paste into the playground's Headers:`);
      io.out(`  { "authorization": "Bearer ${seeded.ownerToken}" }`);
      return 0;
    } finally {
      await services.close();
    }
  });
}

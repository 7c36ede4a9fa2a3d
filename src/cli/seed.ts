import 'reflect-metadata';
import { User } from '../../entities/user.entity';
import { Role } from '../../entities/role.enum';
import { connectDatabase, resolveDatabase } from '../app';
import { loadConfigOrReport } from '../config/config';
import { InMemoryEventBus } from '../events/in-memory-event-bus';
import { createLogger } from '../logging/logger';
import { RateLimits } from '../rate-limit/rate-limits';
import { createServices, type Services } from '../services';

/** The demo password of every seeded account (it passes the strength policy). */
export const DEMO_PASSWORD = 'Quartz-Lantern-Meadow-47!';

const PEOPLE = [
  { email: 'ada@example.com', displayName: 'Ada Lovelace', role: Role.OWNER },
  { email: 'grace@example.com', displayName: 'Grace Hopper', role: Role.ADMIN },
  { email: 'alan@example.com', displayName: 'Alan Turing', role: Role.MEMBER },
  { email: 'katherine@example.com', displayName: 'Katherine Johnson', role: Role.MEMBER },
] as const;

const origin = { ip: '127.0.0.1', userAgent: 'teamgraph seed' };

/**
 * A demo team built through the same services the API uses, so every change has its activity
 * row: four people (owner, admin, two members) who joined by invitation, and a few items.
 */
export async function seedDemo(
  services: Services,
): Promise<{ teamId: string; ownerToken: string } | null> {
  const existing = await services.dataSource
    .getRepository(User)
    .findOneBy({ email: PEOPLE[0].email });
  if (existing) return null;
  const accounts = [];
  for (const person of PEOPLE) {
    const { user, token } = await services.accounts.signUp(
      { email: person.email, password: DEMO_PASSWORD, displayName: person.displayName },
      origin,
    );
    accounts.push({ ...person, user, token });
  }
  const [ada, grace, alan, katherine] = accounts;
  const team = await services.teams.createTeam(ada.user, 'Research');
  for (const member of [grace, alan, katherine]) {
    const role = member.role === Role.ADMIN ? Role.ADMIN : Role.MEMBER;
    const { token } = await services.invitations.invite(ada.user, team.id, member.email, role);
    await services.invitations.accept(member.user, token, origin.ip);
  }
  const plan = await services.items.createItem(ada.user, team.id, {
    title: 'Analytical Engine: plan',
    content: { body: 'Notes on the engine, the mill and the store.', tags: ['design'] },
  });
  await services.items.createItem(grace.user, team.id, {
    title: 'Compiler ideas',
    content: { body: 'Programs that write programs.', tags: ['compilers'] },
  });
  await services.items.createItem(alan.user, team.id, {
    title: 'Computable numbers',
    content: { body: 'On computable numbers, with an application.', tags: ['theory'] },
  });
  await services.items.updateItem(
    katherine.user,
    plan.id,
    { title: 'Analytical Engine: plan (reviewed)' },
    plan.version,
  );
  await services.teams.renameTeam(ada.user, team.id, 'Research & Engines');
  return { teamId: team.id, ownerToken: ada.token };
}

async function main(): Promise<number> {
  const config = loadConfigOrReport((message) => console.error(message));
  if (!config) return 2;
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const database = await resolveDatabase(config, logger);
  const dataSource = await connectDatabase(database.url, config, logger);
  const bus = new InMemoryEventBus();
  const services = createServices({
    config,
    dataSource,
    bus,
    logger,
    rateLimits: new RateLimits(false),
  });
  try {
    const seeded = await seedDemo(services);
    if (!seeded) {
      console.log(`Demo data already present (${PEOPLE[0].email} exists); nothing changed.`);
      return 0;
    }
    console.log('Demo team "Research & Engines" created with members, items and activity.');
    console.log(`Team id: ${seeded.teamId}`);
    console.log(`Accounts (password for all: ${DEMO_PASSWORD}):`);
    for (const person of PEOPLE) console.log(`  ${person.role.padEnd(6)}  ${person.email}`);
    console.log(`A session for ${PEOPLE[0].email} — paste into the playground's Headers:`);
    console.log(`  { "authorization": "Bearer ${seeded.ownerToken}" }`);
    return 0;
  } finally {
    await services.cpu.close();
    await bus.close();
    await dataSource.destroy();
    await database.stop();
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

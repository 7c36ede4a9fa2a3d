import { Membership } from '../../entities/membership.entity';
import { Role } from '../../entities/role.enum';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import type { Services } from '../services';

/** The demo password of every seeded account (it passes the strength policy). */
export const DEMO_PASSWORD = 'Quartz-Lantern-Meadow-47!';
export const DEMO_TEAM = 'Research & Engines';

export const PEOPLE = [
  { email: 'ada@example.com', displayName: 'Ada Lovelace', role: Role.OWNER },
  { email: 'grace@example.com', displayName: 'Grace Hopper', role: Role.ADMIN },
  { email: 'alan@example.com', displayName: 'Alan Turing', role: Role.MEMBER },
  { email: 'katherine@example.com', displayName: 'Katherine Johnson', role: Role.MEMBER },
] as const;

/** The parts seeding writes through: the services the API uses, and the connection for lookups. */
type SeedParts = Pick<
  Services,
  'dataSource' | 'accounts' | 'sessions' | 'teams' | 'invitations' | 'items'
>;

const origin = { ip: '127.0.0.1', userAgent: 'teamgraph seed' };

export interface SeedResult {
  teamId: string;
  /** A fresh session of the demo owner, to paste into the playground. */
  ownerToken: string;
  /** False when the demo team was already there and nothing but the session was added. */
  created: boolean;
}

/**
 * A demo team built through the same services the API uses, so every change has its activity
 * row: four people (owner, admin, two members) who joined by invitation, and a few items.
 * Accounts that already exist (say, from the README's walkthrough) are reused; the team is made
 * once. Every run ends with a new session for the owner.
 */
export async function seedDemo(services: SeedParts): Promise<SeedResult> {
  const users = services.dataSource.getRepository(User);
  const accounts = [];
  for (const person of PEOPLE) {
    const user =
      (await users.findOneBy({ email: person.email })) ??
      (
        await services.accounts.signUp(
          { email: person.email, password: DEMO_PASSWORD, displayName: person.displayName },
          origin,
        )
      ).user;
    accounts.push({ ...person, user });
  }
  const [ada, grace, alan, katherine] = accounts;
  const existing = await services.dataSource
    .getRepository(Team)
    .createQueryBuilder('team')
    .innerJoin(Membership, 'm', 'm.team_id = team.id AND m.user_id = :owner AND m.role = :role', {
      owner: ada.user.id,
      role: Role.OWNER,
    })
    .where('team.name = :name', { name: DEMO_TEAM })
    .getOne();
  const teamId = existing?.id ?? (await buildTeam(services, ada.user, [grace, alan, katherine]));
  const { token } = await services.dataSource.transaction((tx) =>
    services.sessions.create(tx, ada.user.id, origin.userAgent),
  );
  return { teamId, ownerToken: token, created: !existing };
}

async function buildTeam(
  services: SeedParts,
  owner: User,
  members: { user: User; email: string; role: Role }[],
): Promise<string> {
  const team = await services.teams.createTeam(owner, 'Research');
  for (const member of members) {
    const role = member.role === Role.ADMIN ? Role.ADMIN : Role.MEMBER;
    const { token } = await services.invitations.invite(owner, team.id, member.email, role);
    await services.invitations.accept(member.user, token, origin.ip);
  }
  const [grace, alan, katherine] = members;
  const plan = await services.items.createItem(owner, team.id, {
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
  await services.teams.renameTeam(owner, team.id, DEMO_TEAM);
  return team.id;
}

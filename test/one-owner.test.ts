import fc from 'fast-check';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import type { TestUser } from './factories/user.factory';
import { insertUser } from './support/fast-users';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import { startTestApp, type TestApp } from './support/test-app';

/** "Exactly one OWNER per team": held by the database, and by every sequence of calls. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

const owners = async (teamId: string): Promise<number> => {
  const [row] = await app.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM memberships WHERE team_id = $1 AND role = 'OWNER'`,
    [teamId],
  );
  return row.n;
};

/** Runs statements in one transaction as the application would. */
const inOneTransaction = (statements: [string, unknown[]][]) =>
  app.app.services.dataSource.transaction(async (tx) => {
    for (const [text, params] of statements) await tx.query(text, params);
  });

async function teamOf(size: number): Promise<{ team: TestTeam; members: TestUser[] }> {
  const owner = await insertUser(app);
  const team = await buildTeam(app, owner);
  const members = [owner];
  for (let i = 1; i < size; i++)
    members.push(await addMember(app, team, i % 2 ? 'ADMIN' : 'MEMBER', await insertUser(app)));
  return { team, members };
}

describe('the database keeps exactly one owner per team', () => {
  it('refuses at commit a team left without an owner (demoted or removed)', async () => {
    const { team, members } = await teamOf(2);
    const [owner] = members;
    await expect(
      inOneTransaction([
        [
          `UPDATE memberships SET role = 'ADMIN' WHERE team_id = $1 AND user_id = $2`,
          [team.id, owner.id],
        ],
      ]),
    ).rejects.toThrow(/no owner/);
    await expect(
      inOneTransaction([
        [`DELETE FROM memberships WHERE team_id = $1 AND user_id = $2`, [team.id, owner.id]],
      ]),
    ).rejects.toThrow(/no owner/);
    await expect(
      inOneTransaction([[`INSERT INTO teams (name) VALUES ('orphan')`, []]]),
    ).rejects.toThrow(/no owner/);
    expect(await owners(team.id)).toBe(1);
  });

  it('refuses a second owner at once (the partial unique index)', async () => {
    const { team, members } = await teamOf(2);
    await expect(
      app.sql(`UPDATE memberships SET role = 'OWNER' WHERE team_id = $1 AND user_id = $2`, [
        team.id,
        members[1].id,
      ]),
    ).rejects.toThrow(/memberships_one_owner_idx/);
    expect(await owners(team.id)).toBe(1);
  });

  it('lets ownership move inside a transaction and lets a team be deleted with its members', async () => {
    const { team, members } = await teamOf(2);
    await inOneTransaction([
      [
        `UPDATE memberships SET role = 'ADMIN' WHERE team_id = $1 AND user_id = $2`,
        [team.id, members[0].id],
      ],
      [
        `UPDATE memberships SET role = 'OWNER' WHERE team_id = $1 AND user_id = $2`,
        [team.id, members[1].id],
      ],
    ]);
    expect(await owners(team.id)).toBe(1);
    await inOneTransaction([[`DELETE FROM teams WHERE id = $1`, [team.id]]]);
    expect(await app.sql(`SELECT 1 FROM memberships WHERE team_id = $1`, [team.id])).toEqual([]);
  });
});

type Spelling = 'lower' | 'upper' | 'mixed';
const spell = (id: string, how: Spelling) =>
  how === 'lower'
    ? id
    : how === 'upper'
      ? id.toUpperCase()
      : id.replace(/[a-f]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c));

const step = fc.record({
  actor: fc.nat(4),
  target: fc.nat(4),
  spelling: fc.constantFrom<Spelling>('lower', 'upper', 'mixed'),
  call: fc.oneof(
    fc.record({
      kind: fc.constant('changeMemberRole' as const),
      role: fc.constantFrom('ADMIN', 'MEMBER', 'OWNER'),
    }),
    fc.record({ kind: fc.constant('removeMember' as const) }),
    fc.record({ kind: fc.constant('leaveTeam' as const) }),
    fc.record({ kind: fc.constant('transferOwnership' as const) }),
  ),
});
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

async function perform(team: TestTeam, members: TestUser[], s: Step) {
  const actor = members[s.actor];
  const t = spell(team.id, s.spelling);
  const u = spell(members[s.target].id, s.spelling);
  const documents = {
    changeMemberRole: [
      `mutation ($t: ID!, $u: ID!, $r: Role!) { changeMemberRole(teamId: $t, userId: $u, role: $r) { role } }`,
      { t, u, r: 'role' in s.call ? s.call.role : 'MEMBER' },
    ],
    removeMember: [
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t, u },
    ],
    leaveTeam: [`mutation ($t: ID!) { leaveTeam(teamId: $t) }`, { t }],
    transferOwnership: [
      `mutation ($t: ID!, $u: ID!) { transferOwnership(teamId: $t, userId: $u) { id } }`,
      { t, u },
    ],
  } as const;
  const [query, variables] = documents[s.call.kind];
  return app.gql(query, variables, actor.token);
}

describe('generated sequences of role changes, removals, leaves and transfers', () => {
  it('never leave a team with zero or two owners, and never answer INTERNAL_SERVER_ERROR', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const { team, members } = await teamOf(5);
        for (const s of steps) {
          const response = await perform(team, members, s);
          expect(response.status).toBeLessThan(500);
          for (const error of response.errors ?? [])
            expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
          expect(await owners(team.id)).toBe(1);
        }
      }),
      { ...fuzzSeed(11), numRuns: fuzzRuns(12) },
    );
  });
});

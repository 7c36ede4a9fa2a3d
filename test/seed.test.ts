import { DEMO_PASSWORD, seedDemo } from '../src/cli/seed-demo';
import { startTestApp, type TestApp } from './support/test-app';

/** `npm run seed`: a demo team made through the services, explorable through the API. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.stop());

const LOG_IN = `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`;

it('creates a team with members of every role, items and a gapless, verifiable activity log', async () => {
  const seeded = await seedDemo(app.app.services);
  expect(seeded.created).toBe(true);
  const login = await app.gql<{ logIn: { token: string } }>(LOG_IN, {
    e: 'alan@example.com',
    p: DEMO_PASSWORD,
  });
  const token = login.data!.logIn.token;
  const team = await app.gql<{
    team: {
      name: string;
      members: { role: string; user: { email: string } }[];
      items: { totalCount: number };
      activity: { totalCount: number; edges: { node: { seq: number; action: string } }[] };
    };
  }>(
    `query ($id: ID!) { team(id: $id) {
        name members { role user { email } } items(first: 10) { totalCount }
        activity(first: 100) { totalCount edges { node { seq action } } } } }`,
    { id: seeded.teamId },
    token,
  );
  expect(team.errors).toBeUndefined();
  const { name, members, items, activity } = team.data!.team;
  expect(name).toBe('Research & Engines');
  expect(members.map((m) => `${m.role} ${m.user.email}`).sort()).toEqual([
    'ADMIN grace@example.com',
    'MEMBER alan@example.com',
    'MEMBER katherine@example.com',
    'OWNER ada@example.com',
  ]);
  expect(items.totalCount).toBe(3);
  const seqs = activity.edges.map((e) => e.node.seq).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  expect(activity.totalCount).toBeGreaterThanOrEqual(9);
  const owner = await app.gql<{ logIn: { token: string } }>(LOG_IN, {
    e: 'ada@example.com',
    p: DEMO_PASSWORD,
  });
  const verified = await app.gql<{ verifyActivityLog: { intact: boolean } }>(
    `query ($id: ID!) { verifyActivityLog(teamId: $id) { intact } }`,
    { id: seeded.teamId },
    owner.data!.logIn.token,
  );
  expect(verified.data?.verifyActivityLog.intact ?? verified.errors).toBe(true);
});

const ME = '{ me { email } }';

it('leaves existing demo data alone when run again, and still prints a working token', async () => {
  const before = await app.sql<{ n: string }>('SELECT count(*) AS n FROM activities');
  const first = await app.sql<{ id: string }>(
    `SELECT id FROM teams WHERE name = 'Research & Engines'`,
  );
  const again = await seedDemo(app.app.services);
  expect(again.created).toBe(false);
  expect(again.teamId).toBe(first[0].id);
  expect(await app.sql('SELECT count(*) AS n FROM activities')).toEqual(before);
  const me = await app.gql<{ me: { email: string } }>(ME, {}, again.ownerToken);
  expect(me.data?.me.email).toBe('ada@example.com');
});

it('after the README walkthrough (ada signed up, her own team) it builds the demo team', async () => {
  const other = await startTestApp();
  try {
    const signUp = await other.gql<{ signUp: { token: string } }>(
      `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`,
      {
        input: {
          email: 'ada@example.com',
          password: 'Another-Quartz-Meadow-91!',
          displayName: 'Ada',
        },
      },
    );
    await other.gql(
      `mutation { createTeam(input: { name: "Research" }) { id } }`,
      {},
      signUp.data!.signUp.token,
    );
    const seeded = await seedDemo(other.app.services);
    expect(seeded.created).toBe(true);
    const me = await other.gql<{
      me: { email: string; teams: { role: string; team: { name: string } }[] };
    }>('{ me { email teams { role team { name } } } }', {}, seeded.ownerToken);
    expect(me.data?.me.teams.map((t) => `${t.role} ${t.team.name}`).sort()).toEqual([
      'OWNER Research',
      'OWNER Research & Engines',
    ]);
  } finally {
    await other.stop();
  }
});

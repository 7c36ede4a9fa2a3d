import { DEMO_PASSWORD, seedDemo } from '../src/cli/seed';
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
  expect(seeded).not.toBeNull();
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
    { id: seeded!.teamId },
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
    { id: seeded!.teamId },
    owner.data!.logIn.token,
  );
  expect(verified.data?.verifyActivityLog.intact ?? verified.errors).toBe(true);
});

it('leaves existing demo data alone when run again', async () => {
  const before = await app.sql<{ n: string }>('SELECT count(*) AS n FROM activities');
  expect(await seedDemo(app.app.services)).toBeNull();
  expect(await app.sql('SELECT count(*) AS n FROM activities')).toEqual(before);
});

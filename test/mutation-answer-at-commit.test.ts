import { Client as PgClient } from 'pg';
import { buildTeamWithRoles } from './factories/team.factory';
import { startTestApp, type GraphqlResponse, type TestApp } from './support/test-app';

/**
 * A mutation's answer is judged at its commit, like a live row: what commits right after it
 * (the caller leaving, or being removed) cannot turn its committed answer into FORBIDDEN. The
 * test runs the second request at the worst moment: once the mutation has committed, at the
 * first read of a membership that its answer makes (before that read runs). The answer must
 * be the one the order "mutation, then the other request" gives.
 */
describe('a committed mutation answers as at its commit', () => {
  let app: TestApp;
  let other: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
    other = await startTestApp({}, app);
  });
  afterAll(async () => {
    await other.stop();
    await app.stop();
  });

  /** Runs `mutation`, and `meanwhile` right after its commit at its answer's first membership read. */
  async function withRequestAfterCommit(
    mutation: () => Promise<GraphqlResponse>,
    meanwhile: () => Promise<GraphqlResponse>,
  ): Promise<{ answer: GraphqlResponse; other: GraphqlResponse }> {
    let committed = false;
    let meanwhileAnswer: Promise<GraphqlResponse> | null = null;
    // The connection whose transaction wrote the mutation's activity row: its COMMIT is the one.
    const writers = new WeakSet<PgClient>();
    const original = PgClient.prototype.query;
    const spy = jest.spyOn(PgClient.prototype, 'query').mockImplementation(function (
      this: PgClient,
      ...args: unknown[]
    ) {
      const first = args[0] as string | { text: string };
      const sql = typeof first === 'string' ? first : first.text;
      // Cast: the overloads of Client#query cannot be named from a rest argument list.
      const run = () => (original as (...a: unknown[]) => unknown).apply(this, args);
      if (!meanwhileAnswer && committed && /memberships/i.test(sql)) {
        // From another instance: this one's shared reads wait for the held read.
        meanwhileAnswer = meanwhile();
        const ran = meanwhileAnswer.then(run);
        // pg's pool passes a callback and ignores the return value; promise callers await it.
        return (typeof args.at(-1) === 'function' ? undefined : ran) as never;
      }
      if (/INSERT INTO activities/i.test(sql)) writers.add(this);
      if (!meanwhileAnswer && /^\s*COMMIT/i.test(sql) && writers.has(this)) committed = true;
      return run() as never;
    });
    try {
      const answer = await mutation();
      spy.mockRestore();
      return { answer, other: await (meanwhileAnswer ?? meanwhile()) };
    } finally {
      spy.mockRestore();
    }
  }

  it('transferOwnership, then its old owner leaves: the transfer still answers its team', async () => {
    const world = await buildTeamWithRoles(app);
    const { answer, other: after } = await withRequestAfterCommit(
      () =>
        app.gql(
          `mutation ($t: ID!, $u: ID!) { transferOwnership(teamId: $t, userId: $u) { id name myRole } }`,
          { t: world.team.id, u: world.admin.id },
          world.owner.token,
        ),
      () =>
        app.gql(
          `mutation ($t: ID!) { leaveTeam(teamId: $t) }`,
          { t: world.team.id },
          world.owner.token,
        ),
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({
      transferOwnership: { id: world.team.id, name: expect.any(String), myRole: 'ADMIN' },
    });
    expect(after.errors).toBeUndefined();
    const rows = await app.sql<{ user_id: string; role: string }>(
      `SELECT user_id, role FROM memberships WHERE team_id = $1 AND role <> 'MEMBER'`,
      [world.team.id],
    );
    expect(rows).toEqual([{ user_id: world.admin.id, role: 'OWNER' }]);
  });

  /** The admin's own mutation, answered as at its commit although the owner removes them right behind it. */
  it.each([
    {
      name: 'inviteMember',
      document: `mutation ($t: ID!) { inviteMember(teamId: $t, email: "late@example.com") { token invitation { email role status } } }`,
      answered: (_teamId: string) => ({
        inviteMember: {
          token: expect.any(String),
          invitation: { email: 'late@example.com', role: 'MEMBER', status: 'PENDING' },
        },
      }),
    },
    {
      name: 'renameTeam',
      document: `mutation ($t: ID!) { renameTeam(teamId: $t, name: "Renamed") { id name } }`,
      answered: (teamId: string) => ({ renameTeam: { id: teamId, name: 'Renamed' } }),
    },
  ])('$name, then its admin is removed: it still answers what it committed', async (race) => {
    const world = await buildTeamWithRoles(app);
    const { answer, other: after } = await withRequestAfterCommit(
      () => app.gql(race.document, { t: world.team.id }, world.admin.token),
      () =>
        other.gql(
          `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
          { t: world.team.id, u: world.admin.id },
          world.owner.token,
        ),
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual(race.answered(world.team.id));
    expect(after.errors).toBeUndefined();
  });
});

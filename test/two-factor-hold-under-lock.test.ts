import { Client } from 'pg';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildInvitation } from './factories/invitation.factory';
import type { TestUser } from './factories/user.factory';
import { dataFingerprint } from './support/counts';
import { untilLockWaiters } from './support/row-gate';
import { errorCode, startTestApp, type GraphqlResponse, type TestApp } from './support/test-app';

/**
 * The re-check a command makes under the team's lock refuses a member the team's two-factor
 * requirement holds out, as the permission map does: a requirement that turns on while the
 * command waits for the lock is seen, and the command changes nothing. The permission check
 * runs before the requirement commits (the command then waits on the team row the requirement
 * is changing), so only the check under the lock can refuse it.
 */
describe('under the team lock, a member held out by two-factor is refused', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  /** A team whose ADMIN and MEMBER have no two-factor, with an item and an invitation. */
  async function world() {
    const team = await buildTeam(app, undefined, 'Vault');
    const admin = await addMember(app, team, 'ADMIN');
    const member = await addMember(app, team, 'MEMBER');
    const created = await app.gql<{ createItem: { id: string } }>(
      `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "Plan" }) { id } }`,
      { t: team.id },
      member.token,
    );
    const invitation = await buildInvitation(app, team, { inviter: admin });
    return { team, admin, member, itemId: created.data!.createItem.id, invitation };
  }

  /**
   * Turns the team's two-factor requirement on in a transaction of its own, sends `call`, and
   * commits once the call waits on the team row that transaction changed.
   */
  async function requiredWhileWaiting(
    team: TestTeam,
    call: () => Promise<GraphqlResponse>,
  ): Promise<GraphqlResponse> {
    const client = new Client({ connectionString: app.databaseUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE teams SET two_factor_required = true WHERE id = $1`, [team.id]);
      const answer = call();
      await untilLockWaiters(app, 1);
      await client.query('COMMIT');
      return await answer;
    } finally {
      await client.end();
    }
  }

  const cases: [string, (w: Awaited<ReturnType<typeof world>>) => [TestUser, string, object]][] = [
    [
      'createItem',
      (w) => [
        w.member,
        `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "Late" }) { id } }`,
        { t: w.team.id },
      ],
    ],
    [
      'updateItem',
      (w) => [
        w.member,
        `mutation ($id: ID!) { updateItem(id: $id, input: { title: "Late" }) { id } }`,
        { id: w.itemId },
      ],
    ],
    [
      'deleteItem',
      (w) => [w.member, `mutation ($id: ID!) { deleteItem(id: $id) }`, { id: w.itemId }],
    ],
    [
      'inviteMember',
      (w) => [
        w.admin,
        `mutation ($t: ID!) { inviteMember(teamId: $t, email: "late@example.com") { token } }`,
        { t: w.team.id },
      ],
    ],
    [
      'revokeInvitation',
      (w) => [
        w.admin,
        `mutation ($id: ID!) { revokeInvitation(id: $id) { id } }`,
        { id: w.invitation.id },
      ],
    ],
    [
      'renameTeam',
      (w) => [
        w.admin,
        `mutation ($t: ID!) { renameTeam(teamId: $t, name: "Late") { id } }`,
        { t: w.team.id },
      ],
    ],
    [
      'removeMember',
      (w) => [
        w.admin,
        `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
        { t: w.team.id, u: w.member.id },
      ],
    ],
  ];

  it.each(cases)(
    '%s: FORBIDDEN with reason TWO_FACTOR_REQUIRED, and nothing changed',
    async (_name, operation) => {
      const w = await world();
      const [caller, query, variables] = operation(w);
      const before = await dataFingerprint(app);
      const answer = await requiredWhileWaiting(w.team, () =>
        app.gql(query, variables as Record<string, unknown>, caller.token),
      );
      expect(errorCode(answer)).toBe('FORBIDDEN');
      expect(answer.errors?.[0]?.extensions?.reason).toBe('TWO_FACTOR_REQUIRED');
      // Undo the requirement: what is left is what the refused command changed (nothing).
      await app.sql(`UPDATE teams SET two_factor_required = false WHERE id = $1`, [w.team.id]);
      expect(await dataFingerprint(app)).toBe(before);
    },
  );
});

import { Client } from 'pg';
import { buildInvitation, type TestInvitation } from './factories/invitation.factory';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { untilLockWaiters } from './support/row-gate';
import { errorCode, startTestApp, type GraphqlResponse, type TestApp } from './support/test-app';

/**
 * An invitation command finds its invitation, locks the invitation's team and reads the
 * invitation (and the caller's place in the team) again under that lock: what another command
 * committed while it waited for the lock decides its answer, and a refused command changes
 * nothing. Each case holds the team's row in a transaction of its own, sends the command,
 * changes the team's rows once the command waits on that lock, and commits.
 */
describe('invitation commands decide on what they read under the team lock', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  /** A team, an invitee who signed up with the invited address, and the invitation. */
  async function world(): Promise<{
    team: TestTeam;
    invitee: TestUser;
    invitation: TestInvitation;
  }> {
    const team = await buildTeam(app);
    const invitee = await buildUser(app);
    const invitation = await buildInvitation(app, team, { email: invitee.email });
    return { team, invitee, invitation };
  }

  /**
   * Locks the team's row in a transaction of its own, sends `call`, runs `meanwhile` in that
   * transaction once the call waits on the lock, and commits.
   */
  async function whileWaiting(
    team: TestTeam,
    call: () => Promise<GraphqlResponse>,
    meanwhile: (client: Client) => Promise<unknown>,
  ): Promise<GraphqlResponse> {
    const client = new Client({ connectionString: app.databaseUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT 1 FROM teams WHERE id = $1 FOR UPDATE`, [team.id]);
      const answer = call();
      await untilLockWaiters(app, 1);
      await meanwhile(client);
      await client.query('COMMIT');
      return await answer;
    } finally {
      await client.end();
    }
  }

  const ACCEPT = `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`;

  const membershipsOf = async (team: TestTeam, user: TestUser) =>
    (
      await app.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM memberships WHERE team_id = $1 AND user_id = $2`,
        [team.id, user.id],
      )
    )[0].n;

  const statusOf = async (invitation: TestInvitation) =>
    (
      await app.sql<{ status: string }>(`SELECT status FROM invitations WHERE id = $1`, [
        invitation.id,
      ])
    )[0]?.status;

  it('an accept whose token a resend replaced meanwhile is not valid, and joins nobody', async () => {
    const { team, invitee, invitation } = await world();
    const answer = await whileWaiting(
      team,
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      (client) =>
        client.query(`UPDATE invitations SET token_hash = 'replaced' WHERE id = $1`, [
          invitation.id,
        ]),
    );
    expect(errorCode(answer)).toBe('FORBIDDEN');
    expect(answer.errors?.[0].message).toBe('This invitation is not valid.');
    expect(await membershipsOf(team, invitee)).toBe(0);
    expect(await statusOf(invitation)).toBe('PENDING');
  });

  it('an accept of an invitation revoked meanwhile is not valid', async () => {
    const { team, invitee, invitation } = await world();
    const answer = await whileWaiting(
      team,
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      (client) =>
        client.query(`UPDATE invitations SET status = 'REVOKED' WHERE id = $1`, [invitation.id]),
    );
    expect(errorCode(answer)).toBe('FORBIDDEN');
    expect(answer.errors?.[0].message).toBe('This invitation is not valid.');
    expect(await membershipsOf(team, invitee)).toBe(0);
    expect(await statusOf(invitation)).toBe('REVOKED');
  });

  it('an accept into a team deleted meanwhile is FORBIDDEN', async () => {
    const { team, invitee, invitation } = await world();
    const answer = await whileWaiting(
      team,
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      (client) => client.query(`DELETE FROM teams WHERE id = $1`, [team.id]),
    );
    expect(errorCode(answer)).toBe('FORBIDDEN');
    expect(await membershipsOf(team, invitee)).toBe(0);
    expect(await statusOf(invitation)).toBeUndefined();
  });

  it('an accept by someone who joined meanwhile is CONFLICT, and the invitation stays pending', async () => {
    const { team, invitee, invitation } = await world();
    const answer = await whileWaiting(
      team,
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      (client) =>
        client.query(
          `INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES ($1, $2, 'MEMBER', now())`,
          [team.id, invitee.id],
        ),
    );
    expect(errorCode(answer)).toBe('CONFLICT');
    expect(await statusOf(invitation)).toBe('PENDING');
  });

  it('a resend for an address that joined meanwhile is CONFLICT, and keeps the token', async () => {
    const { team, invitee, invitation } = await world();
    const [before] = await app.sql<{ token_hash: string }>(
      `SELECT token_hash FROM invitations WHERE id = $1`,
      [invitation.id],
    );
    const answer = await whileWaiting(
      team,
      () =>
        app.gql(
          `mutation ($id: ID!) { resendInvitation(id: $id) { token } }`,
          { id: invitation.id },
          team.owner.token,
        ),
      (client) =>
        client.query(
          `INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES ($1, $2, 'MEMBER', now())`,
          [team.id, invitee.id],
        ),
    );
    expect(errorCode(answer)).toBe('CONFLICT');
    expect(answer.errors?.[0].message).toBe('This person is already a member of the team.');
    const [after] = await app.sql<{ token_hash: string }>(
      `SELECT token_hash FROM invitations WHERE id = $1`,
      [invitation.id],
    );
    expect(after.token_hash).toBe(before.token_hash);
  });

  it('a revoke by an ADMIN made a MEMBER meanwhile is FORBIDDEN, and the invitation stays pending', async () => {
    const { team, invitation } = await world();
    const admin = await addMember(app, team, 'ADMIN');
    const answer = await whileWaiting(
      team,
      () =>
        app.gql(
          `mutation ($id: ID!) { revokeInvitation(id: $id) { status } }`,
          { id: invitation.id },
          admin.token,
        ),
      (client) =>
        client.query(`UPDATE memberships SET role = 'MEMBER' WHERE team_id = $1 AND user_id = $2`, [
          team.id,
          admin.id,
        ]),
    );
    expect(errorCode(answer)).toBe('FORBIDDEN');
    expect(await statusOf(invitation)).toBe('PENDING');
  });
});

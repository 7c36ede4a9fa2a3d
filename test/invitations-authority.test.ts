import { buildInvitation, type TestInvitation } from './factories/invitation.factory';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

/**
 * Authority ends with the role: an inviter who is removed, demoted to MEMBER, leaves, or (as
 * the old OWNER) can no longer invite as ADMIN loses the pending invitations that role could
 * not make — revoked in the same transaction as the role change, each recorded as
 * INVITATION_REVOKED. Invitations their remaining role allows, and everyone else's, stay.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.stop());

const ACCEPT = `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`;
const VERIFY = `query ($t: ID!) { verifyActivityLog(teamId: $t) { intact } }`;

interface Row {
  status: string;
  xmin: string;
}

async function invitationRow(id: string): Promise<Row> {
  const [row] = await app.sql<Row>(`SELECT status, xmin::text FROM invitations WHERE id = $1`, [
    id,
  ]);
  return row;
}

async function activitiesAfter(teamId: string, seq: number) {
  return app.sql<{
    seq: number;
    action: string;
    subject_id: string;
    details: Record<string, unknown>;
    xmin: string;
  }>(
    `SELECT seq, action, subject_id, details, xmin::text FROM activities
      WHERE team_id = $1 AND seq > $2 ORDER BY seq`,
    [teamId, seq],
  );
}

async function lastSeq(teamId: string): Promise<number> {
  const [row] = await app.sql<{ last_seq: number }>(`SELECT last_seq FROM teams WHERE id = $1`, [
    teamId,
  ]);
  return row.last_seq;
}

interface Setup {
  team: TestTeam;
  admin: TestUser;
  /** Pending, made by the admin. */
  byAdmin: TestInvitation;
  /** Pending, made by the owner: never touched by the admin's role change. */
  byOwner: TestInvitation;
}

async function setup(): Promise<Setup> {
  const team = await buildTeam(app);
  const admin = await addMember(app, team, 'ADMIN');
  const byAdmin = await buildInvitation(app, team, { inviter: admin });
  const byOwner = await buildInvitation(app, team);
  return { team, admin, byAdmin, byOwner };
}

async function gqlOk(query: string, variables: Record<string, unknown>, token: string) {
  const response = await app.gql(query, variables, token);
  expect(response.errors).toBeUndefined();
  return response;
}

/** The change, its revocation and the invitation row share one transaction (same xmin). */
async function expectRevokedWith(s: Setup, before: number, changeAction: string) {
  const rows = await activitiesAfter(s.team.id, before);
  expect(rows.map((r) => r.action)).toEqual([changeAction, 'INVITATION_REVOKED']);
  const [change, revoked] = rows;
  expect(revoked.subject_id).toBe(s.byAdmin.id);
  expect(revoked.details).toMatchObject({
    invitationId: s.byAdmin.id,
    role: s.byAdmin.role,
    reason: 'INVITER_LOST_ROLE',
  });
  const invitation = await invitationRow(s.byAdmin.id);
  expect(invitation.status).toBe('REVOKED');
  expect(new Set([change.xmin, revoked.xmin, invitation.xmin]).size).toBe(1);
  // The owner's own invitation is untouched.
  expect((await invitationRow(s.byOwner.id)).status).toBe('PENDING');
  // The token is dead: its holder cannot join.
  const invitee = await buildUser(app, { email: s.byAdmin.email });
  const accepted = await app.gql(ACCEPT, { token: s.byAdmin.token }, invitee.token);
  expect(errorCode(accepted)).toBe('FORBIDDEN');
  // And the log still verifies.
  const verified = await gqlOk(VERIFY, { t: s.team.id }, s.team.owner.token);
  expect(verified.data).toEqual({ verifyActivityLog: { intact: true } });
}

describe('an inviter who loses the right to invite', () => {
  it('removed: their pending invitations are revoked in the same transaction', async () => {
    const s = await setup();
    const before = await lastSeq(s.team.id);
    await gqlOk(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: s.team.id, u: s.admin.id },
      s.team.owner.token,
    );
    await expectRevokedWith(s, before, 'MEMBER_REMOVED');
  });

  it('demoted to MEMBER: revoked', async () => {
    const s = await setup();
    const before = await lastSeq(s.team.id);
    await gqlOk(
      `mutation ($t: ID!, $u: ID!) { changeMemberRole(teamId: $t, userId: $u, role: MEMBER) { role } }`,
      { t: s.team.id, u: s.admin.id },
      s.team.owner.token,
    );
    await expectRevokedWith(s, before, 'MEMBER_ROLE_CHANGED');
  });

  it('leaves: revoked', async () => {
    const s = await setup();
    const before = await lastSeq(s.team.id);
    await gqlOk(`mutation ($t: ID!) { leaveTeam(teamId: $t) }`, { t: s.team.id }, s.admin.token);
    await expectRevokedWith(s, before, 'MEMBER_LEFT');
  });

  it('the old OWNER after a transfer: ADMIN invitations revoked, MEMBER invitations stay', async () => {
    const team = await buildTeam(app);
    const heir = await addMember(app, team, 'ADMIN');
    const asAdmin = await buildInvitation(app, team, { role: 'ADMIN' });
    const asMember = await buildInvitation(app, team, { role: 'MEMBER' });
    const before = await lastSeq(team.id);
    await gqlOk(
      `mutation ($t: ID!, $u: ID!) { transferOwnership(teamId: $t, userId: $u) { id } }`,
      { t: team.id, u: heir.id },
      team.owner.token,
    );
    const rows = await activitiesAfter(team.id, before);
    expect(rows.map((r) => [r.action, r.subject_id])).toEqual([
      ['OWNERSHIP_TRANSFERRED', heir.id],
      ['INVITATION_REVOKED', asAdmin.id],
    ]);
    expect((await invitationRow(asAdmin.id)).status).toBe('REVOKED');
    expect((await invitationRow(asMember.id)).status).toBe('PENDING');
    // What the old owner may still do as ADMIN keeps working: the MEMBER invitation is accepted.
    const invitee = await buildUser(app, { email: asMember.email });
    const accepted = await gqlOk(ACCEPT, { token: asMember.token }, invitee.token);
    expect(accepted.data).toEqual({ acceptInvitation: { role: 'MEMBER' } });
  });
});

describe('an inviter who keeps the right to invite', () => {
  it("a still-admin's invitations stay when others are demoted or removed", async () => {
    const s = await setup();
    const other = await addMember(app, s.team, 'ADMIN');
    const member = await addMember(app, s.team, 'MEMBER');
    const otherInvitation = await buildInvitation(app, s.team, { inviter: other });
    const before = await lastSeq(s.team.id);
    await gqlOk(
      `mutation ($t: ID!, $u: ID!) { changeMemberRole(teamId: $t, userId: $u, role: MEMBER) { role } }`,
      { t: s.team.id, u: other.id },
      s.team.owner.token,
    );
    await gqlOk(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: s.team.id, u: member.id },
      s.team.owner.token,
    );
    const rows = await activitiesAfter(s.team.id, before);
    expect(rows.map((r) => [r.action, r.subject_id])).toEqual([
      ['MEMBER_ROLE_CHANGED', other.id],
      ['INVITATION_REVOKED', otherInvitation.id],
      ['MEMBER_REMOVED', member.id],
    ]);
    expect((await invitationRow(s.byAdmin.id)).status).toBe('PENDING');
    // The still-admin's invitation is accepted as usual.
    const invitee = await buildUser(app, { email: s.byAdmin.email });
    const accepted = await gqlOk(ACCEPT, { token: s.byAdmin.token }, invitee.token);
    expect(accepted.data).toEqual({ acceptInvitation: { role: 'MEMBER' } });
  });

  it('promotion to ADMIN and back-and-forth roles revoke nothing that role may still make', async () => {
    const team = await buildTeam(app);
    const promoted = await addMember(app, team, 'MEMBER');
    const before = await lastSeq(team.id);
    await gqlOk(
      `mutation ($t: ID!, $u: ID!) { changeMemberRole(teamId: $t, userId: $u, role: ADMIN) { role } }`,
      { t: team.id, u: promoted.id },
      team.owner.token,
    );
    const invitation = await buildInvitation(app, team, { inviter: promoted });
    const rows = await activitiesAfter(team.id, before);
    expect(rows.map((r) => r.action)).toEqual(['MEMBER_ROLE_CHANGED', 'MEMBER_INVITED']);
    expect((await invitationRow(invitation.id)).status).toBe('PENDING');
  });
});

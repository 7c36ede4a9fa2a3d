import { createHash, randomUUID } from 'node:crypto';
import {
  buildInvitation,
  expireInvitation,
  freshEmail,
  INVITE,
  type TestInvitation,
} from './factories/invitation.factory';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { markEmailVerified, type TestUser } from './factories/user.factory';
import {
  expectActivity,
  expectNoActivitySince,
  lastActivitySeq,
} from './support/activity-assertions';
import { dataFingerprint } from './support/counts';
import { insertUser } from './support/fast-users';
import { errorCode, startTestApp, type GraphqlResponse, type TestApp } from './support/test-app';

const ACCEPT = `mutation ($token: String!) {
  acceptInvitation(token: $token) { role joinedAt team { id name } user { id } }
}`;
const DECLINE = `mutation ($token: String!) { declineInvitation(token: $token) }`;
const RESEND = `mutation ($id: ID!) {
  resendInvitation(id: $id) { token invitation { id status createdAt expiresAt } }
}`;
const REVOKE = `mutation ($id: ID!) { revokeInvitation(id: $id) { id status } }`;
const PREVIEW = `query ($token: String!) {
  invitationPreview(token: $token) { teamName inviterName role expiresAt }
}`;
const MY_INVITATIONS = `{
  myInvitations { id email role status teamName expiresAt invitedBy { id displayName } }
}`;
const TEAM_INVITATIONS = `query ($id: ID!, $status: InvitationStatus) {
  team(id: $id) { invitations(status: $status) { id email role status } }
}`;

const DAY_MS = 24 * 60 * 60 * 1000;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

interface Setup {
  team: TestTeam;
  owner: TestUser;
  admin: TestUser;
  member: TestUser;
}

async function setup(): Promise<Setup> {
  const owner = await insertUser(app);
  const team = await buildTeam(app, owner, 'Research');
  const admin = await addMember(app, team, 'ADMIN', await insertUser(app));
  const member = await addMember(app, team, 'MEMBER', await insertUser(app));
  return { team, owner, admin, member };
}

async function invitationRow(id: string) {
  const [row] = await app.sql<{
    status: string;
    token_hash: string;
    expires_at: Date;
    created_at: Date;
    responded_at: Date | null;
    email: string;
  }>(`SELECT * FROM invitations WHERE id = $1`, [id]);
  return row;
}

async function membershipCount(teamId: string, userId: string): Promise<number> {
  const [row] = await app.sql<{ n: string }>(
    `SELECT count(*) AS n FROM memberships WHERE team_id = $1 AND user_id = $2`,
    [teamId, userId],
  );
  return Number(row.n);
}

/** Runs a call that must be refused with `code` and proves it changed no row anywhere. */
async function expectDenied(
  call: () => Promise<GraphqlResponse>,
  code: string,
  field?: string,
): Promise<GraphqlResponse> {
  const before = await dataFingerprint(app);
  const response = await call();
  expect(errorCode(response)).toBe(code);
  if (field) expect(response.errors![0].extensions!.field).toBe(field);
  expect(await dataFingerprint(app)).toBe(before);
  return response;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('inviteMember', () => {
  it('creates a pending invitation, shows the token once, stores only its hash and records MEMBER_INVITED', async () => {
    const { team, owner } = await setup();
    const seq = await lastActivitySeq(app, team.id);
    const response = await app.gql<{
      inviteMember: {
        token: string;
        invitation: {
          id: string;
          email: string;
          role: string;
          status: string;
          expiresAt: string;
          invitedBy: { id: string };
        };
      };
    }>(
      INVITE,
      { teamId: team.id, email: '  New.Person@Example.COM ', role: 'MEMBER' },
      owner.token,
    );
    expect(response.errors).toBeUndefined();
    const { token, invitation } = response.data!.inviteMember;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/); // 256 bits, URL-safe
    expect(invitation).toMatchObject({
      email: 'new.person@example.com',
      role: 'MEMBER',
      status: 'PENDING',
      invitedBy: { id: owner.id },
    });
    const expiresIn = new Date(invitation.expiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(7 * DAY_MS - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(7 * DAY_MS);

    const row = await invitationRow(invitation.id);
    expect(row.token_hash).toBe(sha256(token));
    const [{ dump }] = await app.sql<{ dump: string }>(
      `SELECT string_agg(t::text, '|') AS dump FROM invitations t`,
    );
    expect(dump).not.toContain(token);

    const activity = await expectActivity(app, team.id, {
      action: 'MEMBER_INVITED',
      actorId: owner.id,
      subjectType: 'Invitation',
      subjectId: invitation.id,
      details: { role: 'MEMBER' },
      afterSeq: seq,
    });
    // Neither the token nor the invitee's address reaches the team's activity log.
    expect(JSON.stringify(activity)).not.toContain(token);
    expect(JSON.stringify(activity)).not.toContain('new.person@example.com');
  });

  it('lets the OWNER invite as ADMIN and an ADMIN invite as MEMBER', async () => {
    const { team, owner, admin } = await setup();
    const asAdmin = await app.gql(
      INVITE,
      { teamId: team.id, email: freshEmail(), role: 'ADMIN' },
      owner.token,
    );
    expect(asAdmin.errors).toBeUndefined();
    const seq = await lastActivitySeq(app, team.id);
    const byAdmin = await app.gql<{ inviteMember: { invitation: { id: string; role: string } } }>(
      INVITE,
      { teamId: team.id, email: freshEmail() },
      admin.token,
    );
    expect(byAdmin.errors).toBeUndefined();
    expect(byAdmin.data!.inviteMember.invitation.role).toBe('MEMBER'); // the default role
    await expectActivity(app, team.id, {
      action: 'MEMBER_INVITED',
      actorId: admin.id,
      subjectId: byAdmin.data!.inviteMember.invitation.id,
      afterSeq: seq,
    });
  });

  it('refuses an ADMIN inviting as ADMIN (FORBIDDEN) and anyone inviting as OWNER (BAD_USER_INPUT)', async () => {
    const { team, owner, admin } = await setup();
    const seq = await lastActivitySeq(app, team.id);
    await expectDenied(
      () => app.gql(INVITE, { teamId: team.id, email: freshEmail(), role: 'ADMIN' }, admin.token),
      'FORBIDDEN',
    );
    for (const inviter of [owner, admin]) {
      await expectDenied(
        () =>
          app.gql(INVITE, { teamId: team.id, email: freshEmail(), role: 'OWNER' }, inviter.token),
        'BAD_USER_INPUT',
        'role',
      );
    }
    await expectNoActivitySince(app, team.id, seq);
  });

  it('rejects a malformed e-mail and an unknown role value with BAD_USER_INPUT', async () => {
    const { team, owner } = await setup();
    await expectDenied(
      () => app.gql(INVITE, { teamId: team.id, email: 'not-an-email' }, owner.token),
      'BAD_USER_INPUT',
      'email',
    );
    await expectDenied(
      () => app.gql(INVITE, { teamId: team.id, email: freshEmail(), role: 'KING' }, owner.token),
      'BAD_USER_INPUT',
    );
  });

  it('is CONFLICT for an existing member (any letter case) and for an address with a pending invitation', async () => {
    const { team, owner, member } = await setup();
    await expectDenied(
      () => app.gql(INVITE, { teamId: team.id, email: member.email.toUpperCase() }, owner.token),
      'CONFLICT',
    );
    const pending = await buildInvitation(app, team);
    await expectDenied(
      () => app.gql(INVITE, { teamId: team.id, email: pending.email }, owner.token),
      'CONFLICT',
    );
    // Once that invitation has expired, the address can be invited afresh.
    await expireInvitation(app, pending.id);
    const again = await app.gql(INVITE, { teamId: team.id, email: pending.email }, owner.token);
    expect(again.errors).toBeUndefined();
  });

  it('allows the same address to be invited by two different teams', async () => {
    const first = await setup();
    const second = await setup();
    const email = freshEmail();
    await buildInvitation(app, first.team, { email });
    await buildInvitation(app, second.team, { email });
    const rows = await app.sql(`SELECT id FROM invitations WHERE email = $1`, [email]);
    expect(rows).toHaveLength(2);
  });
});

describe('acceptInvitation', () => {
  it('adds the membership with the invited role, consumes the token and records MEMBER_JOINED', async () => {
    const { team, owner } = await setup();
    const invitee = await insertUser(app);
    const invitation = await buildInvitation(app, team, { email: invitee.email, role: 'ADMIN' });
    const seq = await lastActivitySeq(app, team.id);

    const response = await app.gql<{
      acceptInvitation: { role: string; team: { id: string; name: string }; user: { id: string } };
    }>(ACCEPT, { token: invitation.token }, invitee.token);
    expect(response.errors).toBeUndefined();
    expect(response.data!.acceptInvitation).toMatchObject({
      role: 'ADMIN',
      team: { id: team.id, name: 'Research' },
      user: { id: invitee.id },
    });
    expect(await membershipCount(team.id, invitee.id)).toBe(1);
    const row = await invitationRow(invitation.id);
    expect(row.status).toBe('ACCEPTED');
    expect(row.responded_at).not.toBeNull();
    await expectActivity(app, team.id, {
      action: 'MEMBER_JOINED',
      actorId: invitee.id,
      subjectType: 'User',
      subjectId: invitee.id,
      details: { invitationId: invitation.id, role: 'ADMIN', invitedById: owner.id },
      afterSeq: seq,
    });

    // The new member now sees the team; the owner sees the invitation as ACCEPTED.
    const teamView = await app.gql<{ team: { myRole: string } }>(
      `query ($id: ID!) { team(id: $id) { myRole } }`,
      { id: team.id },
      invitee.token,
    );
    expect(teamView.data?.team.myRole).toBe('ADMIN');
    const listed = await app.gql<{ team: { invitations: { id: string; status: string }[] } }>(
      TEAM_INVITATIONS,
      { id: team.id, status: 'ACCEPTED' },
      owner.token,
    );
    expect(listed.data!.team.invitations).toEqual([
      expect.objectContaining({ id: invitation.id, status: 'ACCEPTED' }),
    ]);

    // Single use: the same token again is refused and changes nothing.
    await expectDenied(
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      'FORBIDDEN',
    );
    await expectNoActivitySince(app, team.id, seq + 1);
  });

  it('two concurrent accepts of one token produce one membership and one MEMBER_JOINED', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { team } = await setup();
      const invitee = await insertUser(app);
      const invitation = await buildInvitation(app, team, { email: invitee.email });
      const seq = await lastActivitySeq(app, team.id);
      const results = await Promise.all([
        app.gql(ACCEPT, { token: invitation.token }, invitee.token),
        app.gql(ACCEPT, { token: invitation.token }, invitee.token),
        app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      ]);
      const codes = results.map((r) => (r.errors ? errorCode(r) : 'ok')).sort();
      expect(codes).toEqual(['FORBIDDEN', 'FORBIDDEN', 'ok']);
      expect(await membershipCount(team.id, invitee.id)).toBe(1);
      const joined = await app.sql(
        `SELECT seq FROM activities WHERE team_id = $1 AND action = 'MEMBER_JOINED'`,
        [team.id],
      );
      expect(joined).toHaveLength(1);
      await expectActivity(app, team.id, { action: 'MEMBER_JOINED', afterSeq: seq });
    }
  });

  it("refuses a signed-in user whose e-mail is not the invitation's, and changes nothing", async () => {
    const { team, member } = await setup();
    const invitee = await insertUser(app);
    const stranger = await insertUser(app);
    const invitation = await buildInvitation(app, team, { email: invitee.email });
    const seq = await lastActivitySeq(app, team.id);
    for (const caller of [stranger, member]) {
      const denied = await expectDenied(
        () => app.gql(ACCEPT, { token: invitation.token }, caller.token),
        'FORBIDDEN',
      );
      expect(denied.errors![0].message).toMatch(/different e-mail/);
      await expectDenied(
        () => app.gql(DECLINE, { token: invitation.token }, caller.token),
        'FORBIDDEN',
      );
    }
    expect(await membershipCount(team.id, stranger.id)).toBe(0);
    expect((await invitationRow(invitation.id)).status).toBe('PENDING');
    await expectNoActivitySince(app, team.id, seq);
    // The right person can still accept afterwards.
    expect(
      (await app.gql(ACCEPT, { token: invitation.token }, invitee.token)).errors,
    ).toBeUndefined();
  });

  it('requires a signed-in caller', async () => {
    const { team } = await setup();
    const invitation = await buildInvitation(app, team);
    await expectDenied(() => app.gql(ACCEPT, { token: invitation.token }), 'UNAUTHENTICATED');
  });

  it('refuses unknown, empty and oversized tokens with FORBIDDEN', async () => {
    const user = await insertUser(app);
    for (const token of ['', 'no-such-token', 'x'.repeat(10_000)]) {
      await expectDenied(() => app.gql(ACCEPT, { token }, user.token), 'FORBIDDEN');
    }
  });

  it('is CONFLICT for someone who is already a member, and leaves the invitation pending', async () => {
    const { team } = await setup();
    const invitee = await insertUser(app);
    const invitation = await buildInvitation(app, team, { email: invitee.email });
    await addMember(app, team, 'MEMBER', invitee); // joined by another path meanwhile
    await expectDenied(
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      'CONFLICT',
    );
    expect((await invitationRow(invitation.id)).status).toBe('PENDING');
  });
});

describe('expiry', () => {
  it('derives EXPIRED from expires_at, refuses accept and decline, hides it, and a resend revives it', async () => {
    const { team, owner } = await setup();
    const invitee = await insertUser(app);
    const invitation = await buildInvitation(app, team, { email: invitee.email });
    await expireInvitation(app, invitation.id);
    const seq = await lastActivitySeq(app, team.id);

    // Stored status stays PENDING; the API reports EXPIRED.
    expect((await invitationRow(invitation.id)).status).toBe('PENDING');
    const all = await app.gql<{ team: { invitations: { id: string; status: string }[] } }>(
      TEAM_INVITATIONS,
      { id: team.id },
      owner.token,
    );
    expect(all.data!.team.invitations).toEqual([
      expect.objectContaining({ id: invitation.id, status: 'EXPIRED' }),
    ]);

    const accept = await expectDenied(
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      'FORBIDDEN',
    );
    expect(accept.errors![0].message).toMatch(/expired/);
    await expectDenied(
      () => app.gql(DECLINE, { token: invitation.token }, invitee.token),
      'FORBIDDEN',
    );
    expect((await app.gql(PREVIEW, { token: invitation.token })).data).toEqual({
      invitationPreview: null,
    });
    expect((await app.gql(MY_INVITATIONS, {}, invitee.token)).data).toEqual({ myInvitations: [] });
    await expectNoActivitySince(app, team.id, seq);

    const resent = await app.gql<{
      resendInvitation: { token: string; invitation: { status: string; expiresAt: string } };
    }>(RESEND, { id: invitation.id }, owner.token);
    expect(resent.errors).toBeUndefined();
    expect(resent.data!.resendInvitation.invitation.status).toBe('PENDING');
    expect(new Date(resent.data!.resendInvitation.invitation.expiresAt).getTime()).toBeGreaterThan(
      Date.now() + 6 * DAY_MS,
    );
    const accepted = await app.gql(
      ACCEPT,
      { token: resent.data!.resendInvitation.token },
      invitee.token,
    );
    expect(accepted.errors).toBeUndefined();
  });
});

describe('resendInvitation', () => {
  it('issues a new token, kills the old one, renews the expiry and records INVITATION_RESENT', async () => {
    const { team, admin } = await setup();
    const invitee = await insertUser(app);
    const invitation = await buildInvitation(app, team, { email: invitee.email });
    await app.sql(`UPDATE invitations SET expires_at = now() + interval '1 hour' WHERE id = $1`, [
      invitation.id,
    ]);
    const before = await invitationRow(invitation.id);
    const seq = await lastActivitySeq(app, team.id);

    const response = await app.gql<{
      resendInvitation: {
        token: string;
        invitation: { id: string; createdAt: string; expiresAt: string };
      };
    }>(RESEND, { id: invitation.id }, admin.token);
    expect(response.errors).toBeUndefined();
    const { token, invitation: resent } = response.data!.resendInvitation;
    expect(resent.id).toBe(invitation.id);
    expect(token).not.toBe(invitation.token);
    expect(new Date(resent.createdAt).getTime()).toBe(before.created_at.getTime());
    expect(new Date(resent.expiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * DAY_MS);
    expect((await invitationRow(invitation.id)).token_hash).toBe(sha256(token));
    const activity = await expectActivity(app, team.id, {
      action: 'INVITATION_RESENT',
      actorId: admin.id,
      subjectType: 'Invitation',
      subjectId: invitation.id,
      afterSeq: seq,
    });
    expect(JSON.stringify(activity)).not.toContain(token);

    // The old token is dead everywhere; the new one works.
    expect((await app.gql(PREVIEW, { token: invitation.token })).data).toEqual({
      invitationPreview: null,
    });
    await expectDenied(
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      'FORBIDDEN',
    );
    expect((await app.gql(ACCEPT, { token }, invitee.token)).errors).toBeUndefined();
  });

  it('is CONFLICT for an invitation that was already answered or revoked', async () => {
    const { team, owner } = await setup();
    const invitee = await insertUser(app);
    const accepted = await buildInvitation(app, team, { email: invitee.email });
    await app.gql(ACCEPT, { token: accepted.token }, invitee.token);
    await expectDenied(() => app.gql(RESEND, { id: accepted.id }, owner.token), 'CONFLICT');
    const revoked = await buildInvitation(app, team);
    await app.gql(REVOKE, { id: revoked.id }, owner.token);
    await expectDenied(() => app.gql(RESEND, { id: revoked.id }, owner.token), 'CONFLICT');
  });

  it("refuses a manager of another team, whose role says nothing about this team's invitations", async () => {
    const { team } = await setup();
    const other = await setup();
    const invitation = await buildInvitation(app, team);
    await expectDenied(
      () => app.gql(RESEND, { id: invitation.id }, other.owner.token),
      'FORBIDDEN',
    );
    await expectDenied(
      () => app.gql(REVOKE, { id: invitation.id }, other.owner.token),
      'FORBIDDEN',
    );
  });
});

describe('revokeInvitation', () => {
  it('marks it REVOKED, kills the token, records INVITATION_REVOKED and allows a fresh invitation', async () => {
    const { team, owner, admin } = await setup();
    const invitee = await insertUser(app);
    // An ADMIN may revoke even an ADMIN invitation: revoking only takes access away.
    const invitation = await buildInvitation(app, team, { email: invitee.email, role: 'ADMIN' });
    const seq = await lastActivitySeq(app, team.id);
    const response = await app.gql<{ revokeInvitation: { id: string; status: string } }>(
      REVOKE,
      { id: invitation.id },
      admin.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.revokeInvitation).toEqual({ id: invitation.id, status: 'REVOKED' });
    await expectActivity(app, team.id, {
      action: 'INVITATION_REVOKED',
      actorId: admin.id,
      subjectType: 'Invitation',
      subjectId: invitation.id,
      afterSeq: seq,
    });

    expect((await app.gql(PREVIEW, { token: invitation.token })).data).toEqual({
      invitationPreview: null,
    });
    await expectDenied(
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      'FORBIDDEN',
    );
    await expectDenied(() => app.gql(REVOKE, { id: invitation.id }, owner.token), 'CONFLICT');
    const again = await app.gql(INVITE, { teamId: team.id, email: invitee.email }, owner.token);
    expect(again.errors).toBeUndefined();
  });
});

describe('declineInvitation', () => {
  it('marks it DECLINED, adds no membership, records INVITATION_DECLINED and kills the token', async () => {
    const { team } = await setup();
    const invitee = await insertUser(app);
    const invitation = await buildInvitation(app, team, { email: invitee.email });
    const seq = await lastActivitySeq(app, team.id);
    const response = await app.gql(DECLINE, { token: invitation.token }, invitee.token);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ declineInvitation: true });
    expect((await invitationRow(invitation.id)).status).toBe('DECLINED');
    expect(await membershipCount(team.id, invitee.id)).toBe(0);
    await expectActivity(app, team.id, {
      action: 'INVITATION_DECLINED',
      actorId: invitee.id,
      subjectType: 'Invitation',
      subjectId: invitation.id,
      afterSeq: seq,
    });
    await expectDenied(
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      'FORBIDDEN',
    );
    await expectDenied(
      () => app.gql(DECLINE, { token: invitation.token }, invitee.token),
      'FORBIDDEN',
    );
  });
});

describe('team deletion', () => {
  it('deletes the invitations with the team: the token is dead and the preview null', async () => {
    const { team, owner } = await setup();
    const invitee = await insertUser(app);
    const invitation = await buildInvitation(app, team, { email: invitee.email });
    const deleted = await app.gql(
      `mutation ($id: ID!) { deleteTeam(teamId: $id) }`,
      { id: team.id },
      owner.token,
    );
    expect(deleted.errors).toBeUndefined();
    expect(await app.sql(`SELECT id FROM invitations WHERE team_id = $1`, [team.id])).toEqual([]);
    expect((await app.gql(PREVIEW, { token: invitation.token })).data).toEqual({
      invitationPreview: null,
    });
    expect((await app.gql(MY_INVITATIONS, {}, invitee.token)).data).toEqual({ myInvitations: [] });
    await expectDenied(
      () => app.gql(ACCEPT, { token: invitation.token }, invitee.token),
      'FORBIDDEN',
    );
    await expectDenied(() => app.gql(RESEND, { id: invitation.id }, owner.token), 'FORBIDDEN');
  });
});

describe('invitationPreview', () => {
  it('shows team name, inviter, role and expiry to anyone holding the token', async () => {
    const { team, admin } = await setup();
    const invitation = await buildInvitation(app, team, { inviter: admin });
    const response = await app.gql<{ invitationPreview: Record<string, unknown> }>(PREVIEW, {
      token: invitation.token,
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.invitationPreview).toEqual({
      teamName: 'Research',
      inviterName: admin.displayName,
      role: 'MEMBER',
      expiresAt: expect.any(String),
    });
  });

  it('is null for a bad token', async () => {
    for (const token of ['', 'garbage', 'A'.repeat(43), 'x'.repeat(5000)]) {
      const response = await app.gql(PREVIEW, { token });
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ invitationPreview: null });
    }
  });
});

describe('myInvitations', () => {
  it("lists only open invitations addressed to me, across teams, with the team's name", async () => {
    const first = await setup();
    const second = await setup();
    const me = await insertUser(app);
    await markEmailVerified(app, me);
    const mine = await buildInvitation(app, first.team, { email: me.email });
    const alsoMine = await buildInvitation(app, second.team, { email: me.email, role: 'ADMIN' });
    await buildInvitation(app, first.team); // someone else's
    const expired = await buildInvitation(app, await buildTeam(app, first.owner, 'Old'), {
      email: me.email,
      inviter: first.owner,
    });
    await expireInvitation(app, expired.id);

    const response = await app.gql<{
      myInvitations: {
        id: string;
        teamName: string;
        role: string;
        status: string;
        invitedBy: { id: string };
      }[];
    }>(MY_INVITATIONS, {}, me.token);
    expect(response.errors).toBeUndefined();
    const byId = new Map(response.data!.myInvitations.map((i) => [i.id, i]));
    expect([...byId.keys()].sort()).toEqual([mine.id, alsoMine.id].sort());
    expect(byId.get(mine.id)).toMatchObject({
      teamName: 'Research',
      role: 'MEMBER',
      status: 'PENDING',
    });
    expect(byId.get(alsoMine.id)).toMatchObject({
      role: 'ADMIN',
      invitedBy: { id: second.owner.id },
    });
  });

  it('does not let the invitee read the team itself before joining', async () => {
    const { team } = await setup();
    const me = await insertUser(app);
    await markEmailVerified(app, me);
    await buildInvitation(app, team, { email: me.email });
    const response = await app.gql(
      `{ myInvitations { id team { id name members { role } } } }`,
      {},
      me.token,
    );
    expect(errorCode(response)).toBe('FORBIDDEN');
  });
});

describe('acceptMyInvitation and declineMyInvitation', () => {
  const ACCEPT_MINE = `mutation ($id: ID!) { acceptMyInvitation(id: $id) { role team { id } user { id } } }`;
  const DECLINE_MINE = `mutation ($id: ID!) { declineMyInvitation(id: $id) }`;

  it('accepts one of my invitations by its id, records MEMBER_JOINED and kills its token', async () => {
    const { team } = await setup();
    const me = await insertUser(app);
    await markEmailVerified(app, me);
    const invitation = await buildInvitation(app, team, { email: me.email, role: 'ADMIN' });
    const seq = await lastActivitySeq(app, team.id);
    const response = await app.gql(ACCEPT_MINE, { id: invitation.id }, me.token);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      acceptMyInvitation: { role: 'ADMIN', team: { id: team.id }, user: { id: me.id } },
    });
    expect((await invitationRow(invitation.id)).status).toBe('ACCEPTED');
    await expectActivity(app, team.id, {
      action: 'MEMBER_JOINED',
      actorId: me.id,
      subjectId: me.id,
      afterSeq: seq,
    });
    expect(
      (await app.gql<{ myInvitations: unknown[] }>(MY_INVITATIONS, {}, me.token)).data,
    ).toEqual({ myInvitations: [] });
    await expectDenied(() => app.gql(ACCEPT, { token: invitation.token }, me.token), 'FORBIDDEN');
    await expectDenied(() => app.gql(ACCEPT_MINE, { id: invitation.id }, me.token), 'FORBIDDEN');
  });

  it('declines one of my invitations by its id and records INVITATION_DECLINED', async () => {
    const { team } = await setup();
    const me = await insertUser(app);
    await markEmailVerified(app, me);
    const invitation = await buildInvitation(app, team, { email: me.email });
    const seq = await lastActivitySeq(app, team.id);
    const response = await app.gql(DECLINE_MINE, { id: invitation.id }, me.token);
    expect(response.data).toEqual({ declineMyInvitation: true });
    expect(await membershipCount(team.id, me.id)).toBe(0);
    await expectActivity(app, team.id, {
      action: 'INVITATION_DECLINED',
      actorId: me.id,
      subjectType: 'Invitation',
      subjectId: invitation.id,
      afterSeq: seq,
    });
    await expectDenied(() => app.gql(DECLINE_MINE, { id: invitation.id }, me.token), 'FORBIDDEN');
  });

  it('refuses, changing nothing, an unproven address, someone else, an expired or unknown id, and a malformed one', async () => {
    const { team } = await setup();
    const unproven = await insertUser(app);
    const mine = await buildInvitation(app, team, { email: unproven.email });
    for (const document of [ACCEPT_MINE, DECLINE_MINE]) {
      // Anyone may sign up with an invitee's address: only a proven one answers by id.
      await expectDenied(() => app.gql(document, { id: mine.id }, unproven.token), 'FORBIDDEN');
      const stranger = await insertUser(app);
      await markEmailVerified(app, stranger);
      await expectDenied(() => app.gql(document, { id: mine.id }, stranger.token), 'FORBIDDEN');
      await expectDenied(
        () => app.gql(document, { id: randomUUID() }, stranger.token),
        'FORBIDDEN',
      );
      await expectDenied(
        () => app.gql(document, { id: 'not-an-id' }, stranger.token),
        'BAD_USER_INPUT',
        'id',
      );
    }
    const late = await insertUser(app);
    await markEmailVerified(app, late);
    const expired = await buildInvitation(app, team, { email: late.email });
    await expireInvitation(app, expired.id);
    const refused = await expectDenied(
      () => app.gql(ACCEPT_MINE, { id: expired.id }, late.token),
      'FORBIDDEN',
    );
    expect(refused.errors![0].message).toMatch(/expired/);
  });
});

describe('Team.invitations', () => {
  let world: Setup;
  let invitations: Record<
    'pending' | 'accepted' | 'declined' | 'revoked' | 'expired',
    TestInvitation
  >;

  beforeAll(async () => {
    world = await setup();
    const { team, owner } = world;
    const acceptor = await insertUser(app);
    const decliner = await insertUser(app);
    invitations = {
      pending: await buildInvitation(app, team),
      accepted: await buildInvitation(app, team, { email: acceptor.email }),
      declined: await buildInvitation(app, team, { email: decliner.email }),
      revoked: await buildInvitation(app, team),
      expired: await buildInvitation(app, team),
    };
    await app.gql(ACCEPT, { token: invitations.accepted.token }, acceptor.token);
    await app.gql(DECLINE, { token: invitations.declined.token }, decliner.token);
    await app.gql(REVOKE, { id: invitations.revoked.id }, owner.token);
    await expireInvitation(app, invitations.expired.id);
  });

  it.each(['PENDING', 'ACCEPTED', 'DECLINED', 'REVOKED', 'EXPIRED'])(
    'filters by status %s',
    async (status) => {
      const response = await app.gql<{ team: { invitations: { id: string; status: string }[] } }>(
        TEAM_INVITATIONS,
        { id: world.team.id, status },
        world.admin.token,
      );
      expect(response.errors).toBeUndefined();
      const expected = invitations[status.toLowerCase() as keyof typeof invitations];
      expect(response.data!.team.invitations).toEqual([
        expect.objectContaining({ id: expected.id, status }),
      ]);
    },
  );

  it('lists every invitation without a filter', async () => {
    const response = await app.gql<{ team: { invitations: { id: string }[] } }>(
      TEAM_INVITATIONS,
      { id: world.team.id },
      world.owner.token,
    );
    expect(response.data!.team.invitations.map((i) => i.id).sort()).toEqual(
      Object.values(invitations)
        .map((i) => i.id)
        .sort(),
    );
  });

  it('is FORBIDDEN to a MEMBER, who still sees the rest of the team', async () => {
    const denied = await app.gql(TEAM_INVITATIONS, { id: world.team.id }, world.member.token);
    expect(errorCode(denied)).toBe('FORBIDDEN');
    const rest = await app.gql<{ team: { name: string } }>(
      `query ($id: ID!) { team(id: $id) { name } }`,
      { id: world.team.id },
      world.member.token,
    );
    expect(rest.data?.team.name).toBe('Research');
  });

  it('rejects an unknown status value', async () => {
    const response = await app.gql(
      TEAM_INVITATIONS,
      { id: world.team.id, status: 'LOST' },
      world.owner.token,
    );
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
  });
});

import { addMember, buildTeam, buildTeamWithRoles } from './factories/team.factory';
import { buildUser } from './factories/user.factory';
import { dataFingerprint, tableCounts } from './support/counts';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

const TEAM = `query ($id: ID!) { team(id: $id) { id name myRole members { role joinedAt user { id displayName email } } } }`;

describe('createTeam', () => {
  it('makes the caller the OWNER and shows the team in me.teams', async () => {
    const user = await buildUser(app);
    const created = await app.gql<{ createTeam: { id: string; name: string; myRole: string } }>(
      `mutation { createTeam(input: { name: "  Research  " }) { id name myRole } }`,
      {},
      user.token,
    );
    expect(created.data!.createTeam).toMatchObject({ name: 'Research', myRole: 'OWNER' });
    const me = await app.gql<{ me: { teams: { role: string; team: { id: string } }[] } }>(
      `{ me { teams { role team { id } } } }`,
      {},
      user.token,
    );
    expect(me.data!.me.teams).toEqual([
      { role: 'OWNER', team: { id: created.data!.createTeam.id } },
    ]);
  });

  it.each([
    ['empty', '   '],
    ['over 100 characters', 'x'.repeat(101)],
  ])('refuses an %s name with BAD_USER_INPUT on "name", creating nothing', async (_, name) => {
    const user = await buildUser(app);
    const before = await dataFingerprint(app);
    const response = await app.gql(
      `mutation ($name: String!) { createTeam(input: { name: $name }) { id } }`,
      { name },
      user.token,
    );
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors![0].extensions!.field).toBe('name');
    expect(await dataFingerprint(app)).toBe(before);
  });
});

describe('team(id)', () => {
  it('answers the same FORBIDDEN for a team of others and a missing team; a malformed id is BAD_USER_INPUT', async () => {
    const { team, outsider } = await buildTeamWithRoles(app);
    const theirs = await app.gql(TEAM, { id: team.id }, outsider.token);
    const missing = await app.gql(
      TEAM,
      { id: '6f1c1a52-6f0e-4d4e-9a57-1d2e3f4a5b6c' },
      outsider.token,
    );
    for (const response of [theirs, missing]) {
      expect(response.data).toBeNull();
      expect(response.errors).toHaveLength(1);
      expect(errorCode(response)).toBe('FORBIDDEN');
      expect(response.errors![0].message).toBe(theirs.errors![0].message);
    }
    // Not an id at all: refused at the edge, before anything looks for it.
    const malformed = await app.gql(TEAM, { id: 'nope' }, outsider.token);
    expect(malformed.data).toBeNull();
    expect(malformed.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('checks every alias on its own: a: mine, b: theirs → b is denied (no cache by rule name)', async () => {
    const mine = await buildTeam(app);
    const theirs = await buildTeam(app);
    const response = await app.gql<{ a: { id: string } | null; b: { id: string } | null }>(
      `query ($mine: ID!, $theirs: ID!) {
        a: team(id: $mine) { id name members { user { email } } }
        b: team(id: $theirs) { id name members { user { email } } }
      }`,
      { mine: mine.id, theirs: theirs.id },
      mine.owner.token,
    );
    expect(response.data).toBeNull(); // team is non-null, so the denied alias nulls the whole result
    expect(response.errors!.map((e) => [e.path, e.extensions!.code])).toEqual([
      [['b'], 'FORBIDDEN'],
    ]);
    // The allowed alias alone succeeds: the denial came from b, not from the query shape.
    const alone = await app.gql(
      `query ($mine: ID!) { a: team(id: $mine) { id } }`,
      { mine: mine.id },
      mine.owner.token,
    );
    expect(alone.errors).toBeUndefined();
  });

  it("re-checks membership on other edges: a former member's me.teams no longer reaches the team", async () => {
    const { team, owner, member } = await buildTeamWithRoles(app);
    await app.gql(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: member.id },
      owner.token,
    );
    const me = await app.gql<{ me: { teams: unknown[] } }>(
      `{ me { teams { team { id } } } }`,
      {},
      member.token,
    );
    expect(me.data!.me.teams).toEqual([]);
    expect(errorCode(await app.gql(TEAM, { id: team.id }, member.token))).toBe('FORBIDDEN');
  });

  it('lists members with their roles and profiles for members', async () => {
    const { team, owner, admin, member } = await buildTeamWithRoles(app);
    const response = await app.gql<{
      team: { myRole: string; members: { role: string; user: { id: string; email: string } }[] };
    }>(TEAM, { id: team.id }, member.token);
    expect(response.data!.team.myRole).toBe('MEMBER');
    expect(response.data!.team.members.map((m) => [m.user.id, m.role]).sort()).toEqual(
      [
        [owner.id, 'OWNER'],
        [admin.id, 'ADMIN'],
        [member.id, 'MEMBER'],
      ].sort(),
    );
  });
});

describe('user(id) — profile visibility', () => {
  it('shows a teammate, myself, and nobody else (same FORBIDDEN for strangers and unknown ids)', async () => {
    const { member, admin, outsider } = await buildTeamWithRoles(app);
    const USER = `query ($id: ID!) { user(id: $id) { id email displayName } }`;
    expect((await app.gql(USER, { id: admin.id }, member.token)).data).toEqual({
      user: { id: admin.id, email: admin.email, displayName: admin.displayName },
    });
    expect((await app.gql(USER, { id: outsider.id }, outsider.token)).errors).toBeUndefined();
    const stranger = await app.gql(USER, { id: member.id }, outsider.token);
    const unknown = await app.gql(
      USER,
      { id: '00000000-0000-4000-8000-000000000000' },
      outsider.token,
    );
    expect(errorCode(stranger)).toBe('FORBIDDEN');
    expect(errorCode(unknown)).toBe('FORBIDDEN');
    expect(stranger.errors![0].message).toBe(unknown.errors![0].message);
  });

  it('refuses `teams` on anyone but me, even a teammate', async () => {
    const { member, admin } = await buildTeamWithRoles(app);
    const response = await app.gql(
      `query ($id: ID!) { user(id: $id) { id teams { role } } }`,
      { id: admin.id },
      member.token,
    );
    expect(errorCode(response)).toBe('FORBIDDEN');
    expect(response.errors![0].path).toEqual(['user', 'teams']);
  });
});

describe('renameTeam', () => {
  it('lets an ADMIN rename; the new name is visible to members', async () => {
    const { team, admin, member } = await buildTeamWithRoles(app);
    const response = await app.gql(
      `mutation ($t: ID!) { renameTeam(teamId: $t, name: "Platform") { name } }`,
      { t: team.id },
      admin.token,
    );
    expect(response.data).toEqual({ renameTeam: { name: 'Platform' } });
    const seen = await app.gql<{ team: { name: string } }>(TEAM, { id: team.id }, member.token);
    expect(seen.data!.team.name).toBe('Platform');
  });

  it('refuses a bad name from an ADMIN with BAD_USER_INPUT and keeps the old name', async () => {
    const { team, admin } = await buildTeamWithRoles(app);
    const before = await dataFingerprint(app);
    const response = await app.gql(
      `mutation ($t: ID!) { renameTeam(teamId: $t, name: "") { name } }`,
      { t: team.id },
      admin.token,
    );
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(await dataFingerprint(app)).toBe(before);
  });
});

describe('changeMemberRole', () => {
  const CHANGE = `mutation ($t: ID!, $u: ID!, $r: Role!) { changeMemberRole(teamId: $t, userId: $u, role: $r) { role user { id } } }`;

  it('moves a member between MEMBER and ADMIN (OWNER only)', async () => {
    const { team, owner, member } = await buildTeamWithRoles(app);
    const up = await app.gql(CHANGE, { t: team.id, u: member.id, r: 'ADMIN' }, owner.token);
    expect(up.data).toEqual({ changeMemberRole: { role: 'ADMIN', user: { id: member.id } } });
    const down = await app.gql(CHANGE, { t: team.id, u: member.id, r: 'MEMBER' }, owner.token);
    expect(down.data).toEqual({ changeMemberRole: { role: 'MEMBER', user: { id: member.id } } });
  });

  it('never makes or unmakes an OWNER through a role change, and changes nothing', async () => {
    const { team, owner, member } = await buildTeamWithRoles(app);
    const stranger = await buildUser(app);
    const before = await dataFingerprint(app);
    const toOwner = await app.gql(CHANGE, { t: team.id, u: member.id, r: 'OWNER' }, owner.token);
    expect(errorCode(toOwner)).toBe('BAD_USER_INPUT');
    const ownerDown = await app.gql(CHANGE, { t: team.id, u: owner.id, r: 'MEMBER' }, owner.token);
    expect(errorCode(ownerDown)).toBe('FORBIDDEN');
    const notMember = await app.gql(
      CHANGE,
      { t: team.id, u: stranger.id, r: 'ADMIN' },
      owner.token,
    );
    expect(errorCode(notMember)).toBe('FORBIDDEN');
    expect(await dataFingerprint(app)).toBe(before);
  });

  it('rejects an unknown enum value as a validation error', async () => {
    const { team, owner, member } = await buildTeamWithRoles(app);
    const response = await app.gql(
      CHANGE,
      { t: team.id, u: member.id, r: 'SUPERUSER' },
      owner.token,
    );
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
  });
});

describe('removeMember', () => {
  const REMOVE = `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`;

  it('OWNER removes an ADMIN; removal takes effect at once for the removed user', async () => {
    const { team, owner, admin } = await buildTeamWithRoles(app);
    expect((await app.gql(REMOVE, { t: team.id, u: admin.id }, owner.token)).data).toEqual({
      removeMember: true,
    });
    expect(errorCode(await app.gql(TEAM, { id: team.id }, admin.token))).toBe('FORBIDDEN');
    expect(
      errorCode(
        await app.gql(
          `mutation ($t: ID!) { renameTeam(teamId: $t, name: "x") { id } }`,
          { t: team.id },
          admin.token,
        ),
      ),
    ).toBe('FORBIDDEN');
  });

  it('ADMIN removes a MEMBER but not another ADMIN nor the OWNER; nobody removes themself', async () => {
    const { team, owner, admin, member } = await buildTeamWithRoles(app);
    const otherAdmin = await addMember(app, team, 'ADMIN');
    const before = await dataFingerprint(app);
    expect(errorCode(await app.gql(REMOVE, { t: team.id, u: otherAdmin.id }, admin.token))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await app.gql(REMOVE, { t: team.id, u: owner.id }, admin.token))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await app.gql(REMOVE, { t: team.id, u: owner.id }, owner.token))).toBe(
      'FORBIDDEN',
    );
    expect(await dataFingerprint(app)).toBe(before);
    expect((await app.gql(REMOVE, { t: team.id, u: member.id }, admin.token)).data).toEqual({
      removeMember: true,
    });
  });

  it('answers FORBIDDEN for a user who is not in the team', async () => {
    const { team, owner, outsider } = await buildTeamWithRoles(app);
    expect(errorCode(await app.gql(REMOVE, { t: team.id, u: outsider.id }, owner.token))).toBe(
      'FORBIDDEN',
    );
  });
});

describe('leaveTeam', () => {
  const LEAVE = `mutation ($t: ID!) { leaveTeam(teamId: $t) }`;

  it('lets a MEMBER and an ADMIN leave, but not the OWNER', async () => {
    const { team, owner, admin, member } = await buildTeamWithRoles(app);
    expect((await app.gql(LEAVE, { t: team.id }, member.token)).data).toEqual({ leaveTeam: true });
    expect((await app.gql(LEAVE, { t: team.id }, admin.token)).data).toEqual({ leaveTeam: true });
    const before = await dataFingerprint(app);
    const ownerLeaves = await app.gql(LEAVE, { t: team.id }, owner.token);
    expect(errorCode(ownerLeaves)).toBe('FORBIDDEN');
    expect(ownerLeaves.errors![0].message).toMatch(/transfer ownership/);
    expect(await dataFingerprint(app)).toBe(before);
    const again = await app.gql(LEAVE, { t: team.id }, member.token);
    expect(errorCode(again)).toBe('FORBIDDEN');
  });
});

describe('transferOwnership', () => {
  const TRANSFER = `mutation ($t: ID!, $u: ID!) { transferOwnership(teamId: $t, userId: $u) { id myRole } }`;

  it('makes the target OWNER and the old owner ADMIN', async () => {
    const { team, owner, member } = await buildTeamWithRoles(app);
    const response = await app.gql(TRANSFER, { t: team.id, u: member.id }, owner.token);
    expect(response.data).toEqual({ transferOwnership: { id: team.id, myRole: 'ADMIN' } });
    const roles = await app.sql<{ user_id: string; role: string }>(
      `SELECT user_id, role FROM memberships WHERE team_id = $1 AND user_id = ANY($2::uuid[])`,
      [team.id, [owner.id, member.id]],
    );
    expect(Object.fromEntries(roles.map((r) => [r.user_id, r.role]))).toEqual({
      [owner.id]: 'ADMIN',
      [member.id]: 'OWNER',
    });
    // The new owner now holds the owner's powers; the old one does not.
    expect(
      errorCode(
        await app.gql(`mutation ($t: ID!) { deleteTeam(teamId: $t) }`, { t: team.id }, owner.token),
      ),
    ).toBe('FORBIDDEN');
  });

  it('refuses a target outside the team, or the owner themself, changing nothing', async () => {
    const { team, owner, outsider } = await buildTeamWithRoles(app);
    const before = await dataFingerprint(app);
    const outside = await app.gql(TRANSFER, { t: team.id, u: outsider.id }, owner.token);
    expect(errorCode(outside)).toBe('BAD_USER_INPUT');
    expect(outside.errors![0].extensions!.field).toBe('userId');
    expect(errorCode(await app.gql(TRANSFER, { t: team.id, u: owner.id }, owner.token))).toBe(
      'BAD_USER_INPUT',
    );
    expect(await dataFingerprint(app)).toBe(before);
  });
});

describe('deleteTeam', () => {
  it('deletes every row of the team and nothing of other teams', async () => {
    const { team, owner, member } = await buildTeamWithRoles(app);
    const other = await buildTeam(app, member, 'Survivor');
    // Data of every kind the team can own.
    await app.sql(
      `INSERT INTO items (team_id, title, content, created_by_id, updated_by_id) VALUES ($1, 't', '{}', $2, $2), ($3, 'kept', '{}', $4, $4)`,
      [team.id, owner.id, other.id, member.id],
    );
    await app.sql(
      `INSERT INTO invitations (team_id, email, role, status, token_hash, invited_by_id, expires_at)
       VALUES ($1, 'x@example.com', 'MEMBER', 'PENDING', md5(random()::text), $2, now() + interval '1 day')`,
      [team.id, owner.id],
    );
    await app.sql(`UPDATE memberships SET last_read_seq = 1 WHERE team_id = $1`, [team.id]);
    const before = await tableCounts(app);

    const response = await app.gql(
      `mutation ($t: ID!) { deleteTeam(teamId: $t) }`,
      { t: team.id },
      owner.token,
    );
    expect(response.data).toEqual({ deleteTeam: team.id });

    for (const table of ['memberships', 'invitations', 'items', 'activities']) {
      const rows = await app.sql(`SELECT 1 FROM ${table} WHERE team_id = $1`, [team.id]);
      expect({ table, rows: rows.length }).toEqual({ table, rows: 0 });
    }
    expect(await app.sql(`SELECT 1 FROM teams WHERE id = $1`, [team.id])).toHaveLength(0);
    const after = await tableCounts(app);
    expect(after.teams).toBe(before.teams - 1);
    expect(after.users).toBe(before.users);
    // The other team is untouched.
    const survivor = await app.gql<{ team: { name: string } }>(
      TEAM,
      { id: other.id },
      member.token,
    );
    expect(survivor.data!.team.name).toBe('Survivor');
    expect(await app.sql(`SELECT 1 FROM items WHERE team_id = $1`, [other.id])).toHaveLength(1);
    // The deleted team is now just "forbidden", like any team that never existed.
    expect(errorCode(await app.gql(TEAM, { id: team.id }, owner.token))).toBe('FORBIDDEN');
  });
});

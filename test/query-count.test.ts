import { buildInvitation, freshEmail, INVITE } from './factories/invitation.factory';
import { addMember, buildTeam } from './factories/team.factory';
import {
  buildUser,
  markEmailVerified,
  STRONG_PASSWORD,
  type TestUser,
} from './factories/user.factory';
import { roundTrips } from './support/pg-statements';
import { startTestApp, type TestApp } from './support/test-app';
import { emailChangeTokens, resetToken } from './support/account-links';
import { tokenIn, waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import {
  awayFromStepBoundary,
  BEGIN_SETUP,
  CONFIRM_SETUP,
  enableTwoFactor,
  totpCode,
} from './support/two-factor';

/**
 * N+1: lists resolve their relations (item authors, activity actors, teams) through the
 * per-request DataLoaders, so the number of SQL statements per page does not depend on the
 * page size. Counted at TypeORM's query logger, which sees every statement the server sends.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

async function countQueries(run: () => Promise<unknown>): Promise<number> {
  const spy = jest.spyOn(app.app.services.dataSource.logger, 'logQuery');
  try {
    await run();
    // The session read depends on whether the session cache still holds the token (its entries
    // live a few seconds, so on a slow machine one of two requests may miss): not what a page's
    // size may change, so it is left out of the comparison.
    return spy.mock.calls.filter(([sql]) => !/\bsessions\b/.test(String(sql))).length;
  } finally {
    spy.mockRestore();
  }
}

const ITEMS = `query ($id: ID!, $first: Int) { team(id: $id) { items(first: $first) {
  totalCount edges { node { id title createdBy { id displayName } updatedBy { id displayName } team { id name } } } } } }`;
const ACTIVITY = `query ($id: ID!, $first: Int) { team(id: $id) { activity(first: $first) {
  edges { node { seq actor { id displayName } team { id name } } } } } }`;

describe('SQL statements per page', () => {
  let teamId: string;
  let reader: TestUser;

  beforeAll(async () => {
    const team = await buildTeam(app);
    const authors = [
      team.owner,
      await addMember(app, team, 'MEMBER'),
      await addMember(app, team, 'ADMIN'),
    ];
    for (let i = 0; i < 50; i++) {
      const author = authors[i % authors.length];
      const created = await app.gql<{ createItem: { id: string } }>(
        `mutation ($teamId: ID!, $title: String!) { createItem(teamId: $teamId, input: { title: $title }) { id } }`,
        { teamId: team.id, title: `Item ${i}` },
        author.token,
      );
      // Every third item is edited by someone else, so createdBy and updatedBy differ.
      if (i % 3 === 0) {
        await app.gql(
          `mutation ($id: ID!) { updateItem(id: $id, input: { title: "Edited" }) { id } }`,
          { id: created.data!.createItem.id },
          authors[(i + 1) % authors.length].token,
        );
      }
    }
    teamId = team.id;
    reader = team.owner;
    // Warm up: the first request of a session may refresh its last-used time.
    await app.gql(ITEMS, { id: teamId, first: 1 }, reader.token);
  });

  it('a 50-item page with its authors costs the same statements as a 5-item page', async () => {
    const small = await countQueries(async () => {
      const response = await app.gql(ITEMS, { id: teamId, first: 5 }, reader.token);
      expect(response.errors).toBeUndefined();
    });
    let edges = 0;
    const large = await countQueries(async () => {
      const response = await app.gql<{ team: { items: { edges: unknown[] } } }>(
        ITEMS,
        { id: teamId, first: 50 },
        reader.token,
      );
      expect(response.errors).toBeUndefined();
      edges = response.data!.team.items.edges.length;
    });
    expect(edges).toBe(50);
    expect(large).toBe(small);
    // Session, role, team, page, count, authors: a handful, not one per row.
    expect(large).toBeLessThanOrEqual(10);
  });

  it('personal profile fields (checked per author against shared teams) stay batched', async () => {
    const WITH_EMAIL = ITEMS.replace(/createdBy \{ id displayName \}/, 'createdBy { id email }');
    expect(WITH_EMAIL).not.toBe(ITEMS);
    const small = await countQueries(() =>
      app.gql(WITH_EMAIL, { id: teamId, first: 5 }, reader.token),
    );
    let emails: unknown[] = [];
    const large = await countQueries(async () => {
      const response = await app.gql<{
        team: { items: { edges: { node: { createdBy: { email: string | null } } }[] } };
      }>(WITH_EMAIL, { id: teamId, first: 50 }, reader.token);
      emails = response.data!.team.items.edges.map((e) => e.node.createdBy.email);
    });
    expect(emails).toHaveLength(50);
    expect(emails.every((email) => typeof email === 'string')).toBe(true);
    expect(large).toBe(small);
  });

  it('an activity page with actors and teams does not grow with the page size either', async () => {
    const small = await countQueries(() =>
      app.gql(ACTIVITY, { id: teamId, first: 5 }, reader.token),
    );
    const large = await countQueries(async () => {
      const response = await app.gql<{ team: { activity: { edges: unknown[] } } }>(
        ACTIVITY,
        { id: teamId, first: 60 },
        reader.token,
      );
      expect(response.data!.team.activity.edges).toHaveLength(60);
    });
    expect(large).toBe(small);
  });
});

const TEAM_QUERY = `query Team($id: ID!) {
  team(id: $id) {
    name
    members { role user { displayName } }
    items(first: 20) { edges { node { title version createdBy { displayName } } } }
  }
}`;

describe('round trips per operation', () => {
  let team: Awaited<ReturnType<typeof buildTeam>>;
  let member: TestUser;
  let itemId: string;

  beforeAll(async () => {
    team = await buildTeam(app);
    member = await addMember(app, team, 'MEMBER');
    for (let i = 0; i < 5; i++) {
      const created = await app.gql<{ createItem: { id: string } }>(
        `mutation ($teamId: ID!, $title: String!) { createItem(teamId: $teamId, input: { title: $title }) { id } }`,
        { teamId: team.id, title: `Item ${i}` },
        i % 2 ? member.token : team.owner.token,
      );
      itemId = created.data!.createItem.id;
    }
  });

  it('the authenticated team query: 3 statements in 2 round trips, 3 round trips cold', async () => {
    await warmSession(app, member.token);
    // Once, so the pool holds a connection for each of the two statements sent at once.
    await app.gql(TEAM_QUERY, { id: team.id }, member.token);
    let answer: unknown;
    const warm = await roundTrips(async () => {
      answer = await app.gql(TEAM_QUERY, { id: team.id }, member.token);
    });
    expect(answer).toMatchObject({ data: { team: { members: expect.any(Array) } } });
    // The role with its team; then members and the item page, each with their users, at once.
    expect(warm.statements).toHaveLength(3);
    expect(warm.roundTrips).toBe(2);

    const logIn = await app.gql<{ logIn: { token: string } }>(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: member.email, p: member.password },
    );
    const cold = await roundTrips(() =>
      app.gql(TEAM_QUERY, { id: team.id }, logIn.data!.logIn.token),
    );
    expect(cold.statements).toHaveLength(4);
    expect(cold.roundTrips).toBeLessThanOrEqual(3);
  });

  it('updateItem: the rule’s read; BEGIN with the lock and re-read; the change with its activity and COMMIT', async () => {
    await warmSession(app, member.token);
    const { statements, roundTrips: trips } = await roundTrips(async () => {
      const response = await app.gql(
        `mutation ($id: ID!) { updateItem(id: $id, input: { title: "Counted" }) { id version } }`,
        { id: itemId },
        member.token,
      );
      expect(response.errors).toBeUndefined();
    });
    // The result's fields use the role confirmed under the lock: no read after COMMIT.
    expect(statements).toHaveLength(5);
    // BEGIN travels with the lock, COMMIT with the change: the team lock is held for one trip.
    expect(statements[1]).toBe('BEGIN');
    expect(statements[4]).toBe('COMMIT');
    expect(trips).toBe(3);
  });

  it('createItem: the same five in three round trips', async () => {
    await warmSession(app, member.token);
    const { statements, roundTrips: trips } = await roundTrips(async () => {
      const response = await app.gql(
        `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "Counted" }) { id version } }`,
        { t: team.id },
        member.token,
      );
      expect(response.errors).toBeUndefined();
    });
    expect(statements).toHaveLength(5);
    expect(trips).toBe(3);
  });
});

/** Repeats a cheap request until `target` serves the session from its cache. */
async function warmSession(target: TestApp, token: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const { statements } = await roundTrips(() => target.gql(`{ me { id } }`, {}, token));
    if (statements.length === 0) return;
  }
  throw new Error('the session was never cached');
}

/**
 * A mutation's own round trips. The session's read is left out: the request finds it in the
 * session cache, whose entries live a few seconds, so on a busy machine a session warmed just
 * before may be read again; that depends on the machine, not on the mutation.
 */
const mutationTrips = (run: () => Promise<unknown>) =>
  roundTrips(run, { ignore: /WHERE s\.token_hash = ANY\(/ });

/**
 * Runs a mutation on `target` (once the session, when there is one, is cached) and counts its
 * round trips; it must succeed. `settled` is awaited inside the count: work the answer leaves
 * running that belongs to the mutation.
 */
async function countedMutation(
  target: TestApp,
  document: string,
  variables: Record<string, unknown>,
  token?: string,
  settled?: () => Promise<unknown>,
) {
  if (token) await warmSession(target, token);
  // Statements a request sends at once on the pool share a trip only when the pool has an
  // idle connection for each: opening one would add a trip that says nothing about the code.
  const { dataSource } = target.app.services;
  await Promise.all([0, 1, 2].map(() => dataSource.query('SELECT 1')));
  let answer: { data?: unknown; errors?: unknown } = {};
  const trips = await mutationTrips(async () => {
    answer = await target.gql(document, variables, token);
    await settled?.();
  });
  expect(answer.errors).toBeUndefined();
  return { ...trips, data: answer.data };
}

/** `countedMutation` on the server `target()` names when called (set up in a beforeAll). */
const countedOn =
  (target: () => TestApp) =>
  (
    document: string,
    variables: Record<string, unknown>,
    token?: string,
    settled?: () => Promise<unknown>,
  ) =>
    countedMutation(target(), document, variables, token, settled);

describe('round trips per team mutation: its transaction in two', () => {
  let team: Awaited<ReturnType<typeof buildTeam>>;
  let admin: TestUser;
  let member: TestUser;
  let heir: TestUser;

  beforeAll(async () => {
    team = await buildTeam(app);
    admin = await addMember(app, team, 'ADMIN');
    member = await addMember(app, team, 'MEMBER');
    heir = await addMember(app, team, 'MEMBER');
    // The admin's invitations end when their role narrows: writes of the same second trip.
    await buildInvitation(app, team, { inviter: admin });
    await buildInvitation(app, team, { inviter: admin });
  });

  const counted = countedOn(() => app);

  const activityCount = async () =>
    (
      await app.sql<{ n: number }>(`SELECT count(*)::int AS n FROM activities WHERE team_id = $1`, [
        team.id,
      ])
    )[0].n;

  it('createTeam', async () => {
    const trips = await counted(
      `mutation { createTeam(input: { name: "Counted" }) { id name createdAt } }`,
      {},
      member.token,
    );
    expect(trips.statements[0]).toBe('BEGIN');
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('renameTeam', async () => {
    const trips = await counted(
      `mutation ($t: ID!) { renameTeam(teamId: $t, name: "Renamed") { id name } }`,
      { t: team.id },
      admin.token,
    );
    expect(trips.transactionRoundTrips).toBe(2);
    // The permission rule's read of the caller's role comes first.
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
  });

  it('changeMemberRole, revoking the invitations the new role cannot send', async () => {
    const before = await activityCount();
    const trips = await counted(
      `mutation ($t: ID!, $u: ID!) { changeMemberRole(teamId: $t, userId: $u, role: MEMBER) { role } }`,
      { t: team.id, u: admin.id },
      team.owner.token,
    );
    expect(trips.data).toEqual({ changeMemberRole: { role: 'MEMBER' } });
    // The role change and both revocations, each with its activity row.
    expect(await activityCount()).toBe(before + 3);
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
  });

  it('removeMember', async () => {
    const trips = await counted(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: member.id },
      team.owner.token,
    );
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
  });

  it('leaveTeam', async () => {
    const trips = await counted(
      `mutation ($t: ID!) { leaveTeam(teamId: $t) }`,
      { t: team.id },
      admin.token,
    );
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
  });

  it('transferOwnership', async () => {
    const trips = await counted(
      `mutation ($t: ID!, $u: ID!) { transferOwnership(teamId: $t, userId: $u) { id } }`,
      { t: team.id, u: heir.id },
      team.owner.token,
    );
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
  });

  it('deleteTeam', async () => {
    const trips = await counted(
      `mutation ($t: ID!) { deleteTeam(teamId: $t) }`,
      { t: team.id },
      heir.token,
    );
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
    expect(await activityCount()).toBe(0);
  });
});

describe('round trips per account mutation: its transaction in two', () => {
  const NEW_PASSWORD = 'Harbour-Violet-Compass-83!';

  const counted = countedOn(() => app);

  const liveSessions = async (userId: string) =>
    (
      await app.sql<{ id: string }>(
        `SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at`,
        [userId],
      )
    ).map((row) => row.id);

  async function logIn(user: TestUser): Promise<string> {
    const response = await app.gql<{ logIn: { token: string } }>(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: user.email, p: user.password },
    );
    return response.data!.logIn.token;
  }

  it('logIn: the account locked, then the session with COMMIT', async () => {
    const user = await buildUser(app);
    const before = await liveSessions(user.id);
    const trips = await counted(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token user { id } } }`,
      { e: user.email, p: user.password },
    );
    expect(await liveSessions(user.id)).toHaveLength(before.length + 1);
    expect(trips.transactionRoundTrips).toBe(2);
    // The account's row is read before the password is checked, outside the transaction.
    expect(trips.roundTrips).toBe(3);
  });

  it('signUp: the account, its session and its verification link', async () => {
    const email = freshEmail('counted');
    const trips = await counted(
      `mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id email displayName } } }`,
      { input: { email, password: STRONG_PASSWORD, displayName: 'Counted' } },
    );
    const { user } = (trips.data as { signUp: { user: { id: string; email: string } } }).signUp;
    expect(user.email).toBe(email);
    expect(await liveSessions(user.id)).toHaveLength(1);
    const links = await app.sql(`SELECT 1 FROM account_tokens WHERE user_id = $1`, [user.id]);
    expect(links).toHaveLength(1);
    // Nothing to read first: BEGIN, the account, its session, its link and COMMIT in one trip.
    expect(trips.transactionRoundTrips).toBe(1);
    expect(trips.roundTrips).toBe(1);
  });

  it('updateProfile: the account locked, then the change read back with COMMIT', async () => {
    const user = await buildUser(app);
    const trips = await counted(
      `mutation { updateProfile(input: { displayName: "Counted Renamed" }) { id displayName } }`,
      {},
      user.token,
    );
    expect(trips.data).toEqual({
      updateProfile: { id: user.id, displayName: 'Counted Renamed' },
    });
    const [row] = await app.sql<{ display_name: string; former_display_names: string[] }>(
      `SELECT display_name, former_display_names FROM users WHERE id = $1`,
      [user.id],
    );
    expect(row).toEqual({
      display_name: 'Counted Renamed',
      former_display_names: [user.displayName],
    });
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  /*
   * The mutations of a signed-in session lock its account with lockAccountOfSession
   * (lock-account.ts): the lock and the session's check, sent together; ending sessions is
   * endSessions' UPDATE … RETURNING (end-access.ts: the ids it ended name the revocation),
   * sent behind them in the same trip.
   */

  it('logOut: the lock, the session check and the session ended together, then COMMIT', async () => {
    const user = await buildUser(app);
    const trips = await counted(`mutation { logOut }`, {}, user.token);
    expect(trips.data).toEqual({ logOut: true });
    expect(await liveSessions(user.id)).toEqual([]);
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('revokeSession: the same two, the revoked session read with the lock (its count decides)', async () => {
    const user = await buildUser(app);
    await logIn(user);
    const [, other] = await liveSessions(user.id);
    const trips = await counted(
      `mutation ($id: ID!) { revokeSession(id: $id) }`,
      { id: other },
      user.token,
    );
    expect(trips.data).toEqual({ revokeSession: true });
    expect(await liveSessions(user.id)).not.toContain(other);
    expect(await liveSessions(user.id)).toHaveLength(1);
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('revokeOtherSessions: the same two', async () => {
    const user = await buildUser(app);
    await logIn(user);
    await logIn(user);
    const trips = await counted(`mutation { revokeOtherSessions }`, {}, user.token);
    expect(trips.data).toEqual({ revokeOtherSessions: 2 });
    expect(await liveSessions(user.id)).toHaveLength(1);
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('confirmIdentity: the lock, the check and the sign-in re-read together; the update with COMMIT', async () => {
    const user = await buildUser(app);
    await app.sql(
      `UPDATE sessions SET authenticated_at = now() - interval '1 day' WHERE user_id = $1`,
      [user.id],
    );
    const trips = await counted(
      `mutation ($p: String!) { confirmIdentity(password: $p) }`,
      { p: user.password },
      user.token,
    );
    expect(trips.data).toEqual({ confirmIdentity: true });
    const [row] = await app.sql<{ recent: boolean }>(
      `SELECT authenticated_at > now() - interval '1 minute' AS recent FROM sessions WHERE user_id = $1`,
      [user.id],
    );
    expect(row.recent).toBe(true);
    expect(trips.transactionRoundTrips).toBe(2);
    // Before it: the account's row, read for the password's check.
    expect(trips.roundTrips).toBe(3);
  });

  it('changePassword: the lock and every read together; what ends and the new hash with COMMIT', async () => {
    const user = await buildUser(app);
    await logIn(user);
    const trips = await counted(
      `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`,
      { c: user.password, n: NEW_PASSWORD },
      user.token,
    );
    expect(trips.data).toEqual({ changePassword: true });
    expect(await liveSessions(user.id)).toHaveLength(1);
    // The sessions to end are read with the lock; their end, the links' delete, the pending
    // secret's and the hash's updates go out with COMMIT.
    expect(trips.transactionRoundTrips).toBe(2);
    // Before it: the account's row, read for the password's check.
    expect(trips.roundTrips).toBe(3);
    // The new password is the one that signs in now.
    const again = await app.gql<{ logIn: { token: string } }>(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: user.email, p: NEW_PASSWORD },
    );
    expect(again.errors).toBeUndefined();
  });

  it('deleteAccount with no team: the account locked with every read, then the erasure', async () => {
    const user = await buildUser(app);
    const trips = await counted(
      `mutation ($p: String!) { deleteAccount(password: $p) }`,
      { p: user.password },
      user.token,
    );
    expect(trips.data).toEqual({ deleteAccount: true });
    const [row] = await app.sql<{ deleted: boolean }>(
      `SELECT deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1`,
      [user.id],
    );
    expect(row.deleted).toBe(true);
    expect(await liveSessions(user.id)).toEqual([]);
    expect(trips.transactionRoundTrips).toBe(2);
    // Before the transaction: the account's row with the refusal of an owner, sent together.
    expect(trips.roundTrips).toBe(3);
  });

  it('deleteAccount in three teams: their locks and what ends in them in one more trip', async () => {
    const user = await buildUser(app);
    const teams = [await buildTeam(app), await buildTeam(app), await buildTeam(app)];
    await addMember(app, teams[0], 'ADMIN', user);
    await addMember(app, teams[1], 'MEMBER', user);
    // One invitation it sent (revoked), one sent to it where it is no member (declined).
    await buildInvitation(app, teams[0], { inviter: user });
    await buildInvitation(app, teams[2], { email: user.email });
    const activities = async () =>
      (
        await app.sql<{ action: string }>(
          `SELECT action FROM activities WHERE team_id = ANY($1::uuid[]) ORDER BY team_id, seq`,
          [teams.map((team) => team.id)],
        )
      ).map((row) => row.action);
    const before = await activities();
    const trips = await counted(
      `mutation ($p: String!) { deleteAccount(password: $p) }`,
      { p: user.password },
      user.token,
    );
    expect(trips.data).toEqual({ deleteAccount: true });
    // What the deletion recorded: the activities now less those there before.
    const added = await activities();
    for (const action of before) added.splice(added.indexOf(action), 1);
    expect(added.sort()).toEqual([
      'INVITATION_DECLINED',
      'INVITATION_REVOKED',
      'MEMBER_LEFT',
      'MEMBER_LEFT',
    ]);
    const members = await app.sql(`SELECT 1 FROM memberships WHERE user_id = $1`, [user.id]);
    expect(members).toEqual([]);
    // The account with its reads; the teams locked with what ends in them; the writes.
    expect(trips.transactionRoundTrips).toBe(3);
    expect(trips.roundTrips).toBe(4);
  });
});

describe('round trips per invitation mutation: its transaction in two', () => {
  let team: Awaited<ReturnType<typeof buildTeam>>;
  let admin: TestUser;

  beforeAll(async () => {
    team = await buildTeam(app);
    admin = await addMember(app, team, 'ADMIN');
  });

  const counted = countedOn(() => app);

  const activityCount = async () =>
    (
      await app.sql<{ n: number }>(`SELECT count(*)::int AS n FROM activities WHERE team_id = $1`, [
        team.id,
      ])
    )[0].n;

  const invitationRow = async (id: string) =>
    (
      await app.sql<{ status: string; token_hash: string; expires_at: Date; created_at: Date }>(
        `SELECT status, token_hash, expires_at, created_at FROM invitations WHERE id = $1`,
        [id],
      )
    )[0];

  const roleOf = async (userId: string) =>
    (
      await app.sql<{ role: string }>(
        `SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2`,
        [team.id, userId],
      )
    )[0]?.role ?? null;

  /** A user who signed up with the address and (`verified`) proved it, invited to the team. */
  async function invitee(verified: boolean) {
    const user = await buildUser(app);
    if (verified) await markEmailVerified(app, user);
    const invitation = await buildInvitation(app, team, { email: user.email });
    return { user, invitation };
  }

  it('inviteMember', async () => {
    const before = await activityCount();
    const email = freshEmail();
    const trips = await counted(INVITE, { teamId: team.id, email, role: 'MEMBER' }, admin.token);
    const { invitation } = (
      trips.data as {
        inviteMember: { invitation: { id: string; status: string; createdAt: string } };
      }
    ).inviteMember;
    expect(invitation.status).toBe('PENDING');
    const row = await invitationRow(invitation.id);
    expect(row.status).toBe('PENDING');
    // The answer's timestamp is the stored one, to the millisecond.
    expect(new Date(invitation.createdAt).getTime()).toBe(row.created_at.getTime());
    expect(await activityCount()).toBe(before + 1);
    expect(trips.transactionRoundTrips).toBe(2);
    // The permission rule's read of the caller's role comes first, the answer's inviter after.
    expect(trips.roundTrips).toBeLessThanOrEqual(4);
  });

  it('resendInvitation', async () => {
    const invitation = await buildInvitation(app, team);
    const old = await invitationRow(invitation.id);
    const before = await activityCount();
    const trips = await counted(
      `mutation ($id: ID!) { resendInvitation(id: $id) { token invitation { id expiresAt } } }`,
      { id: invitation.id },
      team.owner.token,
    );
    const resent = (
      trips.data as { resendInvitation: { token: string; invitation: { expiresAt: string } } }
    ).resendInvitation;
    expect(resent.token).not.toBe(invitation.token);
    const row = await invitationRow(invitation.id);
    expect(row.token_hash).not.toBe(old.token_hash);
    expect(row.expires_at.getTime()).toBe(new Date(resent.invitation.expiresAt).getTime());
    expect(await activityCount()).toBe(before + 1);
    expect(trips.transactionRoundTrips).toBe(2);
    // The permission rule reads the invitation's team, then the caller's role in it.
    expect(trips.roundTrips).toBeLessThanOrEqual(4);
  });

  it('revokeInvitation', async () => {
    const invitation = await buildInvitation(app, team);
    const before = await activityCount();
    const trips = await counted(
      `mutation ($id: ID!) { revokeInvitation(id: $id) { id status } }`,
      { id: invitation.id },
      admin.token,
    );
    expect(trips.data).toEqual({ revokeInvitation: { id: invitation.id, status: 'REVOKED' } });
    expect((await invitationRow(invitation.id)).status).toBe('REVOKED');
    expect(await activityCount()).toBe(before + 1);
    expect(trips.transactionRoundTrips).toBe(2);
    // As for resendInvitation: the rule's two reads first.
    expect(trips.roundTrips).toBeLessThanOrEqual(4);
  });

  it('acceptInvitation by its token, proving the address', async () => {
    const { user, invitation } = await invitee(false);
    const before = await activityCount();
    const trips = await counted(
      `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`,
      { token: invitation.token },
      user.token,
    );
    expect(trips.data).toEqual({ acceptInvitation: { role: 'MEMBER' } });
    expect(await roleOf(user.id)).toBe('MEMBER');
    expect((await invitationRow(invitation.id)).status).toBe('ACCEPTED');
    const [account] = await app.sql<{ verified: boolean }>(
      `SELECT email_verified_at IS NOT NULL AS verified FROM users WHERE id = $1`,
      [user.id],
    );
    expect(account.verified).toBe(true);
    expect(await activityCount()).toBe(before + 1);
    expect(trips.transactionRoundTrips).toBe(2);
    // Nothing before the transaction: the rule only asks for a session.
    expect(trips.roundTrips).toBe(2);
  });

  it('acceptMyInvitation by its id', async () => {
    const { user, invitation } = await invitee(true);
    const trips = await counted(
      `mutation ($id: ID!) { acceptMyInvitation(id: $id) { role } }`,
      { id: invitation.id },
      user.token,
    );
    expect(trips.data).toEqual({ acceptMyInvitation: { role: 'MEMBER' } });
    expect(await roleOf(user.id)).toBe('MEMBER');
    expect((await invitationRow(invitation.id)).status).toBe('ACCEPTED');
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('declineInvitation by its token', async () => {
    const { user, invitation } = await invitee(false);
    const before = await activityCount();
    const trips = await counted(
      `mutation ($token: String!) { declineInvitation(token: $token) }`,
      { token: invitation.token },
      user.token,
    );
    expect(trips.data).toEqual({ declineInvitation: true });
    expect((await invitationRow(invitation.id)).status).toBe('DECLINED');
    expect(await roleOf(user.id)).toBeNull();
    expect(await activityCount()).toBe(before + 1);
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('declineMyInvitation by its id', async () => {
    const { user, invitation } = await invitee(true);
    const trips = await counted(
      `mutation ($id: ID!) { declineMyInvitation(id: $id) }`,
      { id: invitation.id },
      user.token,
    );
    expect(trips.data).toEqual({ declineMyInvitation: true });
    expect((await invitationRow(invitation.id)).status).toBe('DECLINED');
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('markActivityRead', async () => {
    const [{ last_seq: lastSeq }] = await app.sql<{ last_seq: number }>(
      `SELECT last_seq FROM teams WHERE id = $1`,
      [team.id],
    );
    expect(lastSeq).toBeGreaterThan(1);
    const trips = await counted(
      `mutation ($t: ID!, $s: Int!) { markActivityRead(teamId: $t, upToSeq: $s) { id } }`,
      // Past the last seq: clamped to it.
      { t: team.id, s: lastSeq + 100 },
      admin.token,
    );
    expect(trips.data).toEqual({ markActivityRead: { id: team.id } });
    const [{ last_read_seq: position }] = await app.sql<{ last_read_seq: number }>(
      `SELECT last_read_seq FROM memberships WHERE team_id = $1 AND user_id = $2`,
      [team.id, admin.id],
    );
    expect(position).toBe(lastSeq);
    expect(trips.transactionRoundTrips).toBe(2);
    // The rule's read of the caller's membership before; after, the team re-read for the
    // answer and the caller's role for its fields.
    expect(trips.roundTrips).toBeLessThanOrEqual(5);
  });
});

describe('round trips per account-security mutation: its transaction in two', () => {
  const suite = useMailingApp();
  const VERIFICATION_SUBJECT = 'Confirm your e-mail address for teamgraph';
  const ENABLED_SUBJECT = 'Two-factor sign-in was turned on';

  const counted = countedOn(() => suite.app);

  /** The account's security state as stored. */
  async function stored(user: Pick<TestUser, 'id'>) {
    const [row] = await suite.app.sql<{
      email: string;
      verified: boolean;
      pending: boolean;
      enabled: boolean;
      codes: number;
      unused_codes: number;
      live_sessions: number;
      links: string[];
      password_hash: string;
    }>(
      `SELECT u.email, u.email_verified_at IS NOT NULL AS verified,
              u.two_factor_pending_secret IS NOT NULL AS pending,
              u.two_factor_enabled_at IS NOT NULL AS enabled, u.password_hash,
              (SELECT count(*)::int FROM recovery_codes r WHERE r.user_id = u.id) AS codes,
              (SELECT count(*)::int FROM recovery_codes r
                WHERE r.user_id = u.id AND r.used_at IS NULL) AS unused_codes,
              (SELECT count(*)::int FROM sessions s
                WHERE s.user_id = u.id AND s.revoked_at IS NULL) AS live_sessions,
              ARRAY(SELECT t.purpose FROM account_tokens t
                     WHERE t.user_id = u.id AND t.used_at IS NULL ORDER BY t.purpose) AS links
         FROM users u WHERE u.id = $1`,
      [user.id],
    );
    return row;
  }

  /** A second session of the user, which a credential change ends. */
  async function secondSession(user: TestUser): Promise<void> {
    const response = await suite.app.gql(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: user.email, p: user.password },
    );
    expect(response.errors).toBeUndefined();
  }

  it('beginTwoFactorSetup', async () => {
    const user = await buildUser(suite.app);
    const trips = await counted(BEGIN_SETUP, {}, user.token);
    expect((await stored(user)).pending).toBe(true);
    expect(trips.statements[0]).toBe('BEGIN');
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('confirmTwoFactorSetup, with an undo link to an earlier address', async () => {
    const user = await buildUser(suite.app);
    // An earlier address that can still revert an e-mail change gets an undo link too.
    await emailChangeTokens(suite, user, `moved-${user.email}`, user.token);
    const begun = await suite.app.gql<{ beginTwoFactorSetup: { secret: string } }>(
      BEGIN_SETUP,
      {},
      user.token,
    );
    const secret = begun.data!.beginTwoFactorSetup.secret;
    await awayFromStepBoundary();
    const trips = await counted(CONFIRM_SETUP, { code: await totpCode(secret) }, user.token);
    expect(trips.data).toEqual({ confirmTwoFactorSetup: expect.any(Array) });
    expect(await stored(user)).toMatchObject({ enabled: true, pending: false, codes: 10 });
    expect((await stored(user)).links).toContain('TWO_FACTOR_REVERT');
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('regenerateRecoveryCodes: the code is spent before the transaction, as before', async () => {
    const user = await buildUser(suite.app);
    const { recoveryCodes } = await enableTwoFactor(suite.app, user);
    const trips = await counted(
      `mutation ($c: String!) { regenerateRecoveryCodes(code: $c) }`,
      { c: recoveryCodes[0] },
      user.token,
    );
    const fresh = (trips.data as { regenerateRecoveryCodes: string[] }).regenerateRecoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[1]);
    expect(await stored(user)).toMatchObject({ codes: 10, unused_codes: 10 });
    expect(trips.transactionRoundTrips).toBe(2);
    // The account read, then the code's secret read and its spending, each on its own.
    expect(trips.roundTrips).toBe(5);
  });

  it('disableTwoFactor, the code spent with the reads under the lock', async () => {
    const user = await buildUser(suite.app);
    const { recoveryCodes } = await enableTwoFactor(suite.app, user);
    const trips = await counted(
      `mutation ($p: String!, $c: String!) { disableTwoFactor(password: $p, code: $c) }`,
      { p: user.password, c: recoveryCodes[0] },
      user.token,
    );
    expect(trips.data).toEqual({ disableTwoFactor: true });
    expect(await stored(user)).toMatchObject({ enabled: false, codes: 0 });
    expect((await stored(user)).links).not.toContain('TWO_FACTOR_REVERT');
    expect(trips.transactionRoundTrips).toBe(2);
    // The account and the teams requiring two-factor are read before the password is checked.
    expect(trips.roundTrips).toBe(4);
  });

  it('revertTwoFactorSetup', async () => {
    const user = await buildUser(suite.app);
    await secondSession(user);
    await enableTwoFactor(suite.app, user);
    const token = tokenIn(await waitForMail(suite.inbox, user.email, ENABLED_SUBJECT));
    const trips = await counted(`mutation ($t: String!) { revertTwoFactorSetup(token: $t) }`, {
      t: token,
    });
    expect(trips.data).toEqual({ revertTwoFactorSetup: true });
    expect(await stored(user)).toMatchObject({ enabled: false, codes: 0, live_sessions: 0 });
    expect(trips.transactionRoundTrips).toBe(2);
    // The link is found first: whose account to lock.
    expect(trips.roundTrips).toBe(3);
  });

  it('requestPasswordReset: the link issued after the answer, in two', async () => {
    const user = await buildUser(suite.app);
    const before = suite.inbox.messages.length;
    const trips = await counted(
      `mutation ($e: String!) { requestPasswordReset(email: $e) }`,
      { e: user.email },
      undefined,
      () => waitForMail(suite.inbox, user.email, 'Reset your teamgraph password'),
    );
    expect(suite.inbox.messages.length).toBeGreaterThan(before);
    expect((await stored(user)).links).toContain('PASSWORD_RESET');
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('resetPassword, ending every session', async () => {
    const user = await buildUser(suite.app);
    const token = await resetToken(suite, user.email);
    const hashBefore = (await stored(user)).password_hash;
    const trips = await counted(
      `mutation ($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }`,
      { t: token, p: 'Juniper-Falcon-Copper-58&' },
    );
    expect(trips.data).toEqual({ resetPassword: true });
    const after = await stored(user);
    expect(after.password_hash).not.toBe(hashBefore);
    expect(after).toMatchObject({
      live_sessions: 0,
      verified: true,
      links: ['EMAIL_VERIFICATION'],
    });
    expect(trips.transactionRoundTrips).toBe(2);
    // The link and its account are read first: the new password is weighed and hashed then.
    expect(trips.roundTrips).toBe(4);
  });

  it('requestEmailChange', async () => {
    const user = await buildUser(suite.app);
    const trips = await counted(
      `mutation ($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) }`,
      { e: `next-${user.email}`, p: user.password },
      user.token,
    );
    expect(trips.data).toEqual({ requestEmailChange: true });
    expect((await stored(user)).links).toEqual(
      expect.arrayContaining(['EMAIL_CHANGE', 'EMAIL_REVERT']),
    );
    expect(trips.transactionRoundTrips).toBe(2);
    // The account is read before its password is checked.
    expect(trips.roundTrips).toBe(3);
  });

  it('confirmEmailChange, keeping the caller’s session', async () => {
    const user = await buildUser(suite.app);
    await secondSession(user);
    const next = `confirmed-${user.email}`;
    const { confirm } = await emailChangeTokens(suite, user, next, user.token);
    const trips = await counted(
      `mutation ($t: String!) { confirmEmailChange(token: $t) { email } }`,
      { t: confirm },
      user.token,
    );
    expect(trips.data).toEqual({ confirmEmailChange: { email: next } });
    expect(await stored(user)).toMatchObject({ email: next, verified: true, live_sessions: 1 });
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(3);
  });

  it('revertEmailChange, restoring the address', async () => {
    const user = await buildUser(suite.app);
    const { confirm, revert } = await emailChangeTokens(
      suite,
      user,
      `reverted-${user.email}`,
      user.token,
    );
    const confirmed = await suite.app.gql(
      `mutation ($t: String!) { confirmEmailChange(token: $t) { email } }`,
      { t: confirm },
    );
    expect(confirmed.errors).toBeUndefined();
    const trips = await counted(`mutation ($t: String!) { revertEmailChange(token: $t) }`, {
      t: revert,
    });
    expect(trips.data).toEqual({ revertEmailChange: true });
    expect(await stored(user)).toMatchObject({ email: user.email, live_sessions: 0 });
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(3);
  });

  it('resendVerificationEmail', async () => {
    const user = await buildUser(suite.app);
    const first = tokenIn(await waitForMail(suite.inbox, user.email, VERIFICATION_SUBJECT));
    const trips = await counted(`mutation { resendVerificationEmail }`, {}, user.token);
    expect(trips.data).toEqual({ resendVerificationEmail: true });
    const second = tokenIn(await waitForMail(suite.inbox, user.email, VERIFICATION_SUBJECT, 2));
    expect(second).not.toBe(first);
    expect((await stored(user)).links).toEqual(['EMAIL_VERIFICATION']);
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('verifyEmail', async () => {
    const user = await buildUser(suite.app);
    const token = tokenIn(await waitForMail(suite.inbox, user.email, VERIFICATION_SUBJECT));
    const trips = await counted(`mutation ($t: String!) { verifyEmail(token: $t) }`, { t: token });
    expect(trips.data).toEqual({ verifyEmail: true });
    expect(await stored(user)).toMatchObject({ verified: true, links: [] });
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(3);
  });
});
